namespace Micro.Sync;

/// <summary>How to campaign for leadership (<c>ISync.LeaderAsync</c>).</summary>
public sealed record LeaderOptions
{
    /// <summary>How long leadership outlives the leader's last renewal: the failover time after a crash.</summary>
    public TimeSpan Ttl { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>How long to campaign; null campaigns until cancelled.</summary>
    public TimeSpan? Wait { get; init; }

    /// <summary>This candidate's name for observers; defaults to machine name and process id.</summary>
    public string? Candidate { get; init; }
}
