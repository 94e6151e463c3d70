using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Micro.Cli.Calls;
using Micro.Cli.Discovery;
using Micro.Cli.Hosting;
using Micro.Cli.Messaging;
using Micro.Cli.Output;
using Micro.Client;
using Micro.Errors;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Micro.Cli.Dashboard;

/// <summary>
/// The dashboard: a page (embedded, no build step) plus a small JSON API on one HTTP listener. <c>GET /api/events</c> is a
/// server-sent event stream of registry snapshots; <c>POST /api/call</c> calls an endpoint through the normal Micro client;
/// <c>GET /api/health?service=</c> checks each node; <c>POST /api/publish</c> publishes a JSON message; <c>GET /api/tail?topic=</c>
/// is a server-sent event stream of a topic's messages (a broadcast subscription: it takes nothing from the services' groups). Requests whose Host is not the listen address are refused (DNS
/// rebinding), and calls need a JSON body from the same origin (a cross-site form cannot send one).
/// </summary>
public sealed class DashboardServer : IAsyncDisposable
{
    /// <summary>Largest call request the page may send.</summary>
    public const int MaxRequestBytes = 1024 * 1024;

    private readonly CliServices _services;
    private readonly IPEndPoint _endpoint;
    private readonly RegistryView _view;
    private readonly DashboardSessions? _sessions;
    private readonly DashboardTails _tails;
    private WebApplication? _app;

    /// <summary>A dashboard over <paramref name="services"/> listening on <paramref name="endpoint"/> (port 0: any free port).</summary>
    public DashboardServer(CliServices services, IPEndPoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(endpoint);
        _services = services;
        _endpoint = endpoint;
        _view = new RegistryView(services.Registry, services.Logging.CreateLogger("Micro.Cli.Dashboard"));
        _tails = new DashboardTails(() => services.Broker, endpoint.Address, services.RegistryInterfaces, services.Logging);
        // With auth on, the page needs a sign-in and every call carries the signed-in account's token.
        if (services.Provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<Auth.AuthOptions>>().Value.Enabled) _sessions = new DashboardSessions(services.Provider.GetRequiredService<Auth.IAuth>());
    }

    /// <summary>Whether the page requires signing in (MICRO_AUTH=jwt).</summary>
    public bool RequiresSignIn => _sessions is not null;

    /// <summary>The URL it serves once started, e.g. http://127.0.0.1:8082/.</summary>
    public Uri? Url { get; private set; }

    /// <summary>Reads the registry once, then starts listening.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await _view.StartAsync(cancellationToken).ConfigureAwait(false);
        var builder = LocalWebHost.CreateBuilder(_services.Logging);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(_endpoint, l => l.Protocols = HttpProtocols.Http1); // browsers speak HTTP/2 only over TLS
            k.Limits.MaxRequestBodySize = MaxRequestBytes;
        });
        var app = builder.Build();
        app.Run(ServeAsync);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        _app = app;
        Url = new Uri($"http://{new IPEndPoint(_endpoint.Address, LocalWebHost.BoundPort(app, _endpoint.Port))}/");
    }

    private Task ServeAsync(HttpContext http)
    {
        if (!HostAllowed(http.Request))
        {
            http.Response.StatusCode = StatusCodes.Status421MisdirectedRequest;
            return Task.CompletedTask;
        }
        http.Response.Headers["X-Content-Type-Options"] = "nosniff";
        var path = http.Request.Path.Value ?? "/";
        var session = _sessions?.Find(http.Request);
        if (_sessions is not null && session is null && path.StartsWith("/api/", StringComparison.Ordinal) && path is not ("/api/session" or "/api/login"))
        {
            http.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return Task.CompletedTask;
        }
        return (http.Request.Method, path) switch
        {
            ("GET", "/api/session") => WriteJsonAsync(http, new DashboardSessionView(_sessions is not null, session?.Account), CliJsonContext.Default.DashboardSessionView),
            ("POST", "/api/login") => LoginAsync(http),
            ("POST", "/api/logout") => LogoutAsync(http),
            ("GET", "/") => DashboardAssets.ServeAsync(http, "index.html"),
            ("GET", "/app.js") => DashboardAssets.ServeAsync(http, "app.js"),
            ("GET", "/app.css") => DashboardAssets.ServeAsync(http, "app.css"),
            ("GET", "/api/services") => WriteJsonAsync(http, SnapshotNow(), CliJsonContext.Default.DashboardSnapshot),
            ("GET", "/api/events") => EventsAsync(http),
            ("GET", "/api/health") => HealthAsync(http),
            ("POST", "/api/call") => CallAsync(http, session),
            ("POST", "/api/publish") => PublishAsync(http),
            ("GET", "/api/tail") => TailAsync(http),
            _ => NotFoundAsync(http),
        };
    }

    private bool HostAllowed(HttpRequest request)
    {
        var host = request.Host;
        if (!host.HasValue || host.Port is not { } port || Url is null || port != Url.Port) return false;
        return LocalWebHost.IsOwnHost(host.Host, Url, _endpoint.Address);
    }

    private DashboardSnapshot SnapshotNow()
    {
        var current = _view.Current;
        return new DashboardSnapshot(_view.RegistryName, current.Version, current.Services);
    }

    private async Task EventsAsync(HttpContext http)
    {
        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache";
        var stop = http.RequestAborted;
        await using var snapshots = _view.SubscribeAsync(stop).GetAsyncEnumerator(stop);
        var next = snapshots.MoveNextAsync().AsTask();
        try
        {
            while (true)
            {
                // A comment line every 15 s keeps proxies and the browser from timing the stream out.
                var finished = await Task.WhenAny(next, Task.Delay(TimeSpan.FromSeconds(15), stop)).ConfigureAwait(false);
                if (finished != next)
                {
                    await http.Response.WriteAsync(": keep-alive\n\n", stop).ConfigureAwait(false);
                    await http.Response.Body.FlushAsync(stop).ConfigureAwait(false);
                    continue;
                }
                if (!await next.ConfigureAwait(false)) return;
                var s = snapshots.Current;
                var json = JsonSerializer.Serialize(new DashboardSnapshot(_view.RegistryName, s.Version, s.Services), CliJsonContext.Default.DashboardSnapshot);
                await http.Response.WriteAsync($"event: snapshot\ndata: {json}\n\n", stop).ConfigureAwait(false);
                await http.Response.Body.FlushAsync(stop).ConfigureAwait(false);
                next = snapshots.MoveNextAsync().AsTask();
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The page went away.
        }
    }

    private async Task HealthAsync(HttpContext http)
    {
        var name = http.Request.Query["service"].ToString();
        var versions = _view.Current.Services.Where(s => s.Name == name).ToList();
        if (versions.Count == 0)
        {
            await NotFoundAsync(http).ConfigureAwait(false);
            return;
        }
        var reports = await new HealthProbe(_services.Client).CheckAsync(versions, http.RequestAborted).ConfigureAwait(false);
        await WriteJsonAsync(http, reports, CliJsonContext.Default.IReadOnlyListNodeHealthReport).ConfigureAwait(false);
    }

    private async Task LoginAsync(HttpContext http)
    {
        if (_sessions is null || !SameOriginJson(http.Request))
        {
            http.Response.StatusCode = _sessions is null ? StatusCodes.Status404NotFound : StatusCodes.Status403Forbidden;
            return;
        }
        DashboardLoginRequest? login;
        try { login = await JsonSerializer.DeserializeAsync(http.Request.Body, CliJsonContext.Default.DashboardLoginRequest, http.RequestAborted).ConfigureAwait(false); }
        catch (Exception e) when (e is JsonException or Microsoft.AspNetCore.Http.BadHttpRequestException) { login = null; }
        if (login is null || string.IsNullOrEmpty(login.Id) || string.IsNullOrEmpty(login.Secret))
        {
            http.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }
        try
        {
            var (cookie, session) = await _sessions.SignInAsync(login.Id, login.Secret, http.RequestAborted).ConfigureAwait(false);
            http.Response.Cookies.Append(DashboardSessions.CookieName, cookie, new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Strict, Path = "/" });
            await WriteJsonAsync(http, new DashboardSessionView(true, session.Account), CliJsonContext.Default.DashboardSessionView).ConfigureAwait(false);
        }
        catch (MicroException e)
        {
            http.Response.StatusCode = e.Code is >= 400 and < 600 ? e.Code : StatusCodes.Status401Unauthorized;
            await WriteJsonAsync(http, new ErrorView(new ErrorDetail(e.Id, e.Code, e.Detail, ExitCodes.For(e))), CliJsonContext.Default.ErrorView).ConfigureAwait(false);
        }
    }

    private Task LogoutAsync(HttpContext http)
    {
        if (_sessions is not null && SameOriginJson(http.Request)) _sessions.SignOut(http.Request);
        http.Response.Cookies.Delete(DashboardSessions.CookieName);
        return Task.CompletedTask;
    }

    private async Task CallAsync(HttpContext http, DashboardSessions.Session? session)
    {
        if (!SameOriginJson(http.Request))
        {
            http.Response.StatusCode = StatusCodes.Status403Forbidden;
            return;
        }
        DashboardCallRequest? call;
        try
        {
            call = await JsonSerializer.DeserializeAsync(http.Request.Body, CliJsonContext.Default.DashboardCallRequest, http.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception e) when (e is JsonException or Microsoft.AspNetCore.Http.BadHttpRequestException)
        {
            call = null;
        }
        if (call is null || string.IsNullOrEmpty(call.Service) || string.IsNullOrEmpty(call.Endpoint))
        {
            http.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }
        var started = Stopwatch.GetTimestamp();
        DashboardCallResult result;
        try
        {
            var request = new RawPayload(JsonSerializer.SerializeToUtf8Bytes(call.Request, CliJsonContext.Default.JsonElement));
            var metadata = call.Metadata is null ? new Dictionary<string, string>() : new Dictionary<string, string>(call.Metadata);
            metadata.Remove("authorization"); // only the signed-in account's token, never one the page makes up
            if (session is not null) metadata["authorization"] = await _sessions!.AuthorizationAsync(session, call.Service, http.RequestAborted).ConfigureAwait(false);
            var options = new CallOptions
            {
                Address = string.IsNullOrWhiteSpace(call.Address) ? null : call.Address,
                Metadata = metadata,
                Timeout = call.TimeoutMs is > 0 and <= 600_000 ? TimeSpan.FromMilliseconds(call.TimeoutMs.Value) : null,
            };
            var reply = await new JsonCaller(_services.Client).CallAsync(call.Service, call.Endpoint, request, options, http.RequestAborted).ConfigureAwait(false);
            result = new DashboardCallResult(true, Parse(reply), null, Elapsed(started));
        }
        catch (MicroException e)
        {
            result = new DashboardCallResult(false, null, new ErrorDetail(e.Id, e.Code, e.Detail, ExitCodes.For(e)), Elapsed(started));
        }
        catch (ArgumentException e)
        {
            result = new DashboardCallResult(false, null, new ErrorDetail("cli.usage", 400, e.Message, ExitCodes.Usage), Elapsed(started));
        }
        await WriteJsonAsync(http, result, CliJsonContext.Default.DashboardCallResult).ConfigureAwait(false);
    }

    private async Task PublishAsync(HttpContext http)
    {
        if (!SameOriginJson(http.Request))
        {
            http.Response.StatusCode = StatusCodes.Status403Forbidden;
            return;
        }
        DashboardPublishRequest? publish;
        try { publish = await JsonSerializer.DeserializeAsync(http.Request.Body, CliJsonContext.Default.DashboardPublishRequest, http.RequestAborted).ConfigureAwait(false); }
        catch (Exception e) when (e is JsonException or Microsoft.AspNetCore.Http.BadHttpRequestException) { publish = null; }
        if (publish is null || string.IsNullOrEmpty(publish.Topic))
        {
            http.Response.StatusCode = StatusCodes.Status400BadRequest;
            return;
        }
        DashboardPublishResult result;
        try
        {
            var body = new RawPayload(JsonSerializer.SerializeToUtf8Bytes(publish.Message, CliJsonContext.Default.JsonElement));
            var metadata = publish.Metadata is null ? null : new Dictionary<string, string>(publish.Metadata);
            metadata?.Remove("authorization");
            var id = await Publisher.PublishAsync(publish.Topic, body, metadata, null, http.RequestAborted).ConfigureAwait(false);
            result = new DashboardPublishResult(true, id, null);
        }
        catch (CliException e)
        {
            result = new DashboardPublishResult(false, null, new ErrorDetail(e.Id, 400, e.Message, e.ExitCode));
        }
        catch (MicroException e)
        {
            result = new DashboardPublishResult(false, null, new ErrorDetail(e.Id, e.Code, e.Detail, ExitCodes.For(e)));
        }
        await WriteJsonAsync(http, result, CliJsonContext.Default.DashboardPublishResult).ConfigureAwait(false);
    }

    private JsonPublisher Publisher => JsonPublisher.For(_services);

    private async Task TailAsync(HttpContext http)
    {
        var topic = http.Request.Query["topic"].ToString();
        var stop = http.RequestAborted;
        System.Threading.Channels.ChannelReader<MessageView> messages;
        try
        {
            messages = await _tails.WatchAsync(topic, stop).ConfigureAwait(false);
        }
        catch (Exception e) when (e is CliException or MicroException)
        {
            var (id, detail) = e is CliException c ? (c.Id, c.Message) : (((MicroException)e).Id, ((MicroException)e).Detail);
            http.Response.StatusCode = e is CliException { ExitCode: ExitCodes.Usage } ? StatusCodes.Status400BadRequest : StatusCodes.Status503ServiceUnavailable;
            await WriteJsonAsync(http, new ErrorView(new ErrorDetail(id, http.Response.StatusCode, detail, ExitCodes.Failure)), CliJsonContext.Default.ErrorView).ConfigureAwait(false);
            return;
        }
        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache";
        try
        {
            // Subscribed: the page may publish now and see it come back.
            await http.Response.WriteAsync($"event: ready\ndata: {JsonSerializer.Serialize(topic, CliJsonContext.Default.String)}\n\n", stop).ConfigureAwait(false);
            await http.Response.Body.FlushAsync(stop).ConfigureAwait(false);
            while (true)
            {
                using var keepAlive = CancellationTokenSource.CreateLinkedTokenSource(stop);
                keepAlive.CancelAfter(TimeSpan.FromSeconds(15));
                bool more;
                try { more = await messages.WaitToReadAsync(keepAlive.Token).ConfigureAwait(false); }
                catch (OperationCanceledException) when (!stop.IsCancellationRequested)
                {
                    await http.Response.WriteAsync(": keep-alive\n\n", stop).ConfigureAwait(false);
                    await http.Response.Body.FlushAsync(stop).ConfigureAwait(false);
                    continue;
                }
                if (!more) return;
                while (messages.TryRead(out var message))
                    await http.Response.WriteAsync($"event: message\ndata: {JsonSerializer.Serialize(message, CliJsonContext.Default.MessageView)}\n\n", stop).ConfigureAwait(false);
                await http.Response.Body.FlushAsync(stop).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The page went away; the tail ends with it.
        }
    }

    /// <summary>A JSON POST from this page: browsers send Origin on cross-site POSTs and need a preflight (never answered) for JSON.</summary>
    private bool SameOriginJson(HttpRequest request)
    {
        if (request.ContentType is not { } type || !type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase)) return false;
        var origin = request.Headers.Origin.ToString();
        return origin.Length == 0 || (Uri.TryCreate(origin, UriKind.Absolute, out var uri) && uri.Port == Url!.Port && HostAllowedName(uri.Host));
    }

    private bool HostAllowedName(string host) => LocalWebHost.IsOwnHost(host, Url!, _endpoint.Address);

    private static JsonElement Parse(RawPayload reply)
    {
        try
        {
            using var document = JsonDocument.Parse(reply.Bytes);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            using var document = JsonDocument.Parse(JsonSerializer.Serialize(reply.ToString(), CliJsonContext.Default.String));
            return document.RootElement.Clone();
        }
    }

    private static double Elapsed(long started) => Math.Round(Stopwatch.GetElapsedTime(started).TotalMilliseconds, 2);

    private static async Task WriteJsonAsync<T>(HttpContext http, T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
    {
        http.Response.ContentType = "application/json; charset=utf-8";
        http.Response.Headers.CacheControl = "no-store";
        await JsonSerializer.SerializeAsync(http.Response.Body, value, type, http.RequestAborted).ConfigureAwait(false);
    }

    private static Task NotFoundAsync(HttpContext http)
    {
        http.Response.StatusCode = StatusCodes.Status404NotFound;
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await _app.StopAsync(grace.Token).ConfigureAwait(false);
            await _app.DisposeAsync().ConfigureAwait(false);
        }
        await _tails.DisposeAsync().ConfigureAwait(false);
        await _view.DisposeAsync().ConfigureAwait(false);
    }
}
