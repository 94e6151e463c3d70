namespace Micro.Sync;

/// <summary>Where a leadership term stands.</summary>
public enum LeaderStatus
{
    /// <summary>This candidate leads: it holds the leader lease.</summary>
    Leading,
    /// <summary>The leader gave leadership up (<c>ResignAsync</c>); someone else may lead now.</summary>
    Resigned,
    /// <summary>Leadership was lost behind the leader's back (lease expired, revoked or taken over).</summary>
    Lost,
}
