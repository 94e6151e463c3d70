using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Micro.Cli.Hosting;

/// <summary>
/// What the tool's own listeners share (the dashboard, MCP over HTTP, a tail's delivery listener): a slim ASP.NET Core
/// host that logs through the tool's logging, the port it really got, and the Host check against DNS rebinding.
/// </summary>
public static class LocalWebHost
{
    /// <summary>A slim web host builder with no logging of its own but the tool's (stderr).</summary>
    public static WebApplicationBuilder CreateBuilder(ILoggerFactory logging)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [], ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(logging);
        return builder;
    }

    /// <summary>The port <paramref name="app"/> listens on (port 0 means "any": the server knows which one it got).</summary>
    public static int BoundPort(WebApplication app, int requested)
    {
        ArgumentNullException.ThrowIfNull(app);
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses;
        return addresses?.Select(a => new Uri(a)).FirstOrDefault()?.Port ?? requested;
    }

    /// <summary>
    /// Whether <paramref name="host"/> names this listener: the URL's host, localhost, or the listen address (any address
    /// when listening on all). A page of another site whose name resolves here sends its own name, and is refused.
    /// </summary>
    public static bool IsOwnHost(string host, Uri url, IPAddress listen)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(url);
        return host == url.Host || host == "localhost"
            || (IPAddress.TryParse(host.Trim('[', ']'), out var ip) && (ip.Equals(listen) || listen.Equals(IPAddress.Any)));
    }
}
