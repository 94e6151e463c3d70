namespace Micro.Postgres;

/// <summary>Where PostgreSQL (or CockroachDB) is: an Npgsql connection string.</summary>
public sealed record PostgresOptions
{
    public string ConnectionString { get; init; } = "Host=127.0.0.1;Port=5432;Username=postgres;Database=micro";

    /// <summary>Schema holding Micro's tables; created on first use.</summary>
    public string Schema { get; init; } = "micro";
}
