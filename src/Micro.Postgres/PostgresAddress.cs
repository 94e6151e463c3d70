namespace Micro.Postgres;

/// <summary>The connection string configured for one piece (store, sync), or a clear error naming the setting.</summary>
internal static class PostgresAddress
{
    internal static string Required(string? address, string piece) =>
        string.IsNullOrWhiteSpace(address)
            ? throw new InvalidOperationException($"the postgres {piece.ToLowerInvariant()} needs an address (an Npgsql connection string): set {MicroSettings.Describe(piece, "Address")}")
            : address;
}
