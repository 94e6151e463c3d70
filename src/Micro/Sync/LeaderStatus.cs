namespace Micro.Sync;

public enum LeaderStatus
{
    Leading,
    Resigned,
    Lost,
}
