namespace Micro.Sync;

/// <summary>
/// The sync options (one class for every backend): which backend (<c>MICRO_SYNC</c>), where it is
/// (<c>MICRO_SYNC_ADDRESS</c>), the namespace its keys live in, and how waiters wait. Read from
/// <c>Micro:Sync:*</c> or <c>MICRO_SYNC_*</c>; code wins (<c>UseRedisSync(o => ...)</c>).
/// </summary>
public sealed class SyncOptions : IPluginOptions
{
    /// <summary>Which backend: memory (default), etcd, redis, postgres (<c>MICRO_SYNC</c>).</summary>
    public string? Plugin { get; set; }

    /// <summary>Where the backend is: host:port (etcd, Redis) or an Npgsql connection string (<c>MICRO_SYNC_ADDRESS</c>).</summary>
    public string? Address { get; set; }

    /// <summary>
    /// What the backend's keys live under: Redis keys <c>{Namespace}:sync:...</c>, etcd keys <c>/{Namespace}/sync/...</c>,
    /// the PostgreSQL table <c>"{Namespace}".sync_leases</c>. Clients that share locks share it. Letters, digits, '_' and '-'.
    /// </summary>
    public string Namespace { get; set; } = "micro";

    /// <summary>
    /// The longest a waiter sleeps between two tries when nothing woke it (2 s by default): the safety net under
    /// the backends' release notifications (etcd watch, Redis pub/sub, PostgreSQL LISTEN/NOTIFY). A waiter also
    /// wakes when the holder's lease is due to expire.
    /// </summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);

    void IMicroOptions.Read(MicroSettings settings)
    {
        Plugin = settings.Plugin ?? Plugin;
        Address = settings.String(nameof(Address)) ?? Address;
        Namespace = settings.String(nameof(Namespace)) ?? Namespace;
        PollInterval = settings.Duration(nameof(PollInterval)) ?? PollInterval;
    }

    IEnumerable<string> IMicroOptions.Validate()
    {
        if (Namespace.Length is 0 or > 40 || Namespace.AsSpan().ContainsAnyExcept(NamespaceCharacters))
            yield return $"{MicroSettings.Describe("Sync", nameof(Namespace))} must be 1-40 ASCII letters, digits, '_' or '-'";
        if (PollInterval <= TimeSpan.Zero) yield return $"{MicroSettings.Describe("Sync", nameof(PollInterval))} must be positive";
    }

    /// <summary>Throws when the options are not valid (for backends built without dependency injection).</summary>
    internal SyncOptions Checked()
    {
        var problems = ((IMicroOptions)this).Validate().ToList();
        return problems.Count == 0 ? this : throw new ArgumentException(string.Join("; ", problems));
    }

    private static readonly System.Buffers.SearchValues<char> NamespaceCharacters =
        System.Buffers.SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-");
}
