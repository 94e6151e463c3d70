using Micro.Plugins;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Micro.Postgres;

/// <summary>The connection string configured for one piece (store, sync): MICRO_{KIND}_ADDRESS.</summary>
internal static class PostgresAddress
{
    internal static string Required(IServiceProvider services, string kind) =>
        MicroSettings.Address(services.GetRequiredService<IConfiguration>(), kind)
        ?? throw new InvalidOperationException($"MICRO_{kind.ToUpperInvariant()}=postgres needs MICRO_{kind.ToUpperInvariant()}_ADDRESS (an Npgsql connection string)");
}
