using Microsoft.Extensions.Configuration;

namespace Micro.Plugins;

/// <summary>
/// Micro's own settings, read through the service's <see cref="IConfiguration"/> so that every
/// source (env, files, command line, etcd) can set them. Each setting has two spellings:
/// the environment style <c>MICRO_REGISTRY_ADDRESS</c> and the section style <c>Micro:Registry:Address</c>.
/// </summary>
public static class MicroSettings
{
    /// <summary>Which implementation of a piece to use: <c>MICRO_{KIND}</c>, e.g. MICRO_STORE=postgres.</summary>
    public static string? Plugin(IConfiguration configuration, string kind) => Get(configuration, kind);

    /// <summary>The address of a piece's server: <c>MICRO_{KIND}_ADDRESS</c>.</summary>
    public static string? Address(IConfiguration configuration, string kind) => Get(configuration, kind, "address");

    /// <summary>Any setting by path, e.g. ("server", "address") reads MICRO_SERVER_ADDRESS or Micro:Server:Address.</summary>
    public static string? Get(IConfiguration configuration, params string[] path)
    {
        var env = "MICRO_" + string.Join('_', path).ToUpperInvariant();
        var section = "Micro:" + string.Join(':', path);
        var value = configuration[env];
        if (string.IsNullOrWhiteSpace(value)) value = configuration[section];
        return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
    }

    /// <summary>
    /// A setting named after an options property: ("client", "KeepAliveInterval") reads MICRO_CLIENT_KEEP_ALIVE_INTERVAL
    /// or Micro:Client:KeepAliveInterval.
    /// </summary>
    public static string? Property(IConfiguration configuration, string piece, string property)
    {
        var snake = new System.Text.StringBuilder(property.Length + 4);
        for (var i = 0; i < property.Length; i++)
        {
            if (i > 0 && char.IsUpper(property[i])) snake.Append('_');
            snake.Append(char.ToUpperInvariant(property[i]));
        }
        var value = configuration["MICRO_" + piece.ToUpperInvariant() + "_" + snake];
        if (string.IsNullOrWhiteSpace(value)) value = configuration["Micro:" + piece + ":" + property];
        return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
    }
}
