using System.Net;
using System.Security.Claims;
using Micro.Auth;
using Micro.Cli.Hosting;
using Micro.Errors;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Micro.Cli.Mcp;

/// <summary>
/// <c>micro mcp --http</c>: the same tools over MCP's Streamable HTTP transport at <c>/mcp</c> (the official SDK's
/// ASP.NET Core host, one session per client). Requests whose Host is not the listen address are refused (DNS
/// rebinding). With auth on (MICRO_AUTH=jwt) every request needs <c>Authorization: Bearer TOKEN</c>, a token for the
/// audience <see cref="Audience"/>; tool calls then carry that token, so services apply their rules to the MCP client's account.
/// </summary>
public sealed class McpHttpServer : IAsyncDisposable
{
    /// <summary>The audience an MCP client's token must name (<c>micro auth token --audience micro.mcp --audience greeter ...</c>).</summary>
    public const string Audience = "micro.mcp";

    /// <summary>The path of the MCP endpoint.</summary>
    public const string Path = "/mcp";

    private readonly WebApplication _app;
    private readonly CancellationTokenSource _stop;
    private readonly Task _following;

    private McpHttpServer(WebApplication app, Uri url, Task following, CancellationTokenSource stop)
    {
        _app = app;
        Url = url;
        _following = following;
        _stop = stop;
    }

    /// <summary>The MCP endpoint, e.g. http://127.0.0.1:8083/mcp.</summary>
    public Uri Url { get; }

    /// <summary>Listens on <paramref name="endpoint"/> (port 0: any free port); <paramref name="auth"/> non-null requires tokens.</summary>
    public static async Task<McpHttpServer> StartAsync(McpToolServer tools, IPEndPoint endpoint, IAuth? auth, ILoggerFactory logging, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tools);
        ArgumentNullException.ThrowIfNull(endpoint);
        var builder = LocalWebHost.CreateBuilder(logging);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(endpoint, l => l.Protocols = HttpProtocols.Http1AndHttp2);
            k.Limits.MaxRequestBodySize = 4 * 1024 * 1024 + 64 * 1024; // a tool call carries at most one request
        });
        // Sessions (the initialize handshake, Mcp-Session-Id): a session's GET stream carries tools/list_changed.
        builder.Services.AddMcpServer(tools.Configure).WithHttpTransport(o => o.SessionMode = ModelContextProtocol.AspNetCore.HttpServerSessionMode.Stateful);
        var app = builder.Build();
        Uri? url = null;
        app.Use(async (http, next) =>
        {
            if (!HostAllowed(http.Request, endpoint.Address, url))
            {
                http.Response.StatusCode = StatusCodes.Status421MisdirectedRequest;
                return;
            }
            if (auth is not null && !await AuthenticateAsync(http, auth).ConfigureAwait(false))
            {
                http.Response.StatusCode = StatusCodes.Status401Unauthorized;
                http.Response.Headers.WWWAuthenticate = "Bearer realm=\"micro\", error=\"invalid_token\"";
                return;
            }
            await next(http).ConfigureAwait(false);
        });
        app.MapMcp(Path);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        url = new Uri($"http://{new IPEndPoint(endpoint.Address, LocalWebHost.BoundPort(app, endpoint.Port))}{Path}");
        var stop = new CancellationTokenSource();
        var following = tools.FollowAsync(stop.Token);
        return new McpHttpServer(app, url, following, stop);
    }

    private static bool HostAllowed(HttpRequest request, IPAddress listen, Uri? url)
    {
        var host = request.Host;
        return url is not null && host.HasValue && host.Port == url.Port && LocalWebHost.IsOwnHost(host.Host, url, listen);
    }

    private static async Task<bool> AuthenticateAsync(HttpContext http, IAuth auth)
    {
        var header = http.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return false;
        var token = header["Bearer ".Length..].Trim();
        if (token.Length is 0 or > 16 * 1024) return false;
        try
        {
            var account = await auth.InspectAsync(token, Audience, http.RequestAborted).ConfigureAwait(false);
            http.User = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, account.Id), new Claim(McpToolServer.TokenClaim, token)], "Bearer"));
            return true;
        }
        catch (MicroException)
        {
            return false;
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try { await _following.ConfigureAwait(false); } catch (OperationCanceledException) { }
        using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        await _app.StopAsync(grace.Token).ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _stop.Dispose();
    }
}
