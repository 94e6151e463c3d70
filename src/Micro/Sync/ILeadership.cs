namespace Micro.Sync;

/// <summary>This candidate's term as leader of an id. Disposing it resigns.</summary>
public interface ILeadership : IAsyncDisposable
{
    /// <summary>The election's name.</summary>
    string Id { get; }

    /// <summary>This candidate's name, as observers see it in <see cref="LeaderInfo.Candidate"/>.</summary>
    string Candidate { get; }

    /// <summary>The term's fencing token: strictly greater than every earlier term's of <see cref="Id"/>.</summary>
    long FencingToken { get; }

    /// <summary>Leading, resigned or lost; lost and resigned are final.</summary>
    LeaderStatus Status { get; }

    /// <summary>Fires when leadership is lost (lease expired or revoked, connection lost); not on <see cref="ResignAsync"/>.</summary>
    CancellationToken Lost { get; }

    /// <summary>Steps down so that another candidate can lead at once. Idempotent.</summary>
    ValueTask ResignAsync(CancellationToken cancellationToken = default);
}
