using System.Runtime.CompilerServices;
using System.Text.Json;
using Micro.Cli.Calls;
using Micro.Cli.Discovery;
using Micro.Cli.Messaging;
using Micro.Cli.Output;
using Micro.Client;
using Micro.Errors;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Micro.Cli.Mcp;

/// <summary>
/// An MCP server whose tools are the registry's endpoints (see <see cref="McpTools"/>) plus <see cref="McpPublishTool"/>.
/// The list follows the registry live: when it changes every session gets <c>notifications/tools/list_changed</c>.
/// Calls go through the normal Micro client, so discovery, retries, deadlines and client middleware (auth, tracing)
/// apply as for any caller; over HTTP with auth on, each call carries the MCP client's own bearer token.
/// </summary>
public sealed partial class McpToolServer(RegistryView view, IMicroClient client, JsonPublisher publisher, ILoggerFactory logging)
{
    /// <summary>The claim holding the MCP client's access token (set by <see cref="McpHttpServer"/> when auth is on).</summary>
    public const string TokenClaim = "micro.token";

    private volatile McpTools _tools = McpTools.Empty; // replaced whole by the registry follower, read by the handlers
    // Weak: an HTTP session that ends is collected with its server, whether or not a notification ever found it gone.
    private readonly ConditionalWeakTable<McpServer, object> _sessions = new();

    /// <summary>Per-call deadline (MCP clients wait on the reply).</summary>
    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Fills <paramref name="options"/>: server info, the tools capability with list changes, the handlers.</summary>
    public void Configure(McpServerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _tools = McpTools.From(view.Current.Services);
        options.ServerInfo = new Implementation { Name = "micro", Version = typeof(McpToolServer).Assembly.GetName().Version?.ToString(3) ?? "0.0.0" };
        options.ServerInstructions = "Each tool calls one endpoint of a Micro service found in the service registry. Arguments are the endpoint's JSON request; the result is its JSON reply. " +
            "The publish tool publishes a JSON message to a topic.";
        options.Capabilities = new ServerCapabilities { Tools = new ToolsCapability { ListChanged = true } };
        options.Handlers = new McpServerHandlers
        {
            ListToolsHandler = (request, ct) =>
            {
                Track(request.Server);
                return ValueTask.FromResult(new ListToolsResult { Tools = [.. _tools.Tools, McpPublishTool.Tool] });
            },
            CallToolHandler = (request, ct) =>
            {
                Track(request.Server);
                return CallAsync(request.Params, request.User?.FindFirst(TokenClaim)?.Value, ct);
            },
        };
    }

    /// <summary>Serves MCP over <paramref name="transport"/> (stdio) until the client disconnects or <paramref name="cancellationToken"/> fires.</summary>
    public async Task RunAsync(ITransport transport, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transport);
        var options = new McpServerOptions();
        Configure(options);
        await using var server = McpServer.Create(transport, options, logging);
        Track(server);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var following = FollowAsync(stop.Token);
        try
        {
            await server.RunAsync(stop.Token).ConfigureAwait(false);
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            try { await following.ConfigureAwait(false); } catch (OperationCanceledException) { }
        }
    }

    /// <summary>Follows the registry until <paramref name="cancellationToken"/> fires, telling every session when the tool list changed.</summary>
    public async Task FollowAsync(CancellationToken cancellationToken)
    {
        await foreach (var snapshot in view.SubscribeAsync(cancellationToken).ConfigureAwait(false))
        {
            var next = McpTools.From(snapshot.Services);
            if (next.Signature == _tools.Signature) continue;
            _tools = next;
            foreach (var (server, _) in _sessions)
            {
                try
                {
                    await server.SendNotificationAsync(NotificationMethods.ToolListChangedNotification, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    // A session that ended (HTTP clients come and go) is forgotten.
                    _sessions.Remove(server);
                    LogNotifyFailed(logging.CreateLogger("Micro.Cli.Mcp"), e.Message);
                }
            }
        }
    }

    private static readonly object Tracked = new();

    private void Track(McpServer? server)
    {
        if (server is not null) _sessions.TryAdd(server, Tracked);
    }

    private async ValueTask<CallToolResult> CallAsync(CallToolRequestParams? request, string? token, CancellationToken cancellationToken)
    {
        if (request?.Name == McpPublishTool.Name) return await McpPublishTool.CallAsync(publisher, request.Arguments, CallTimeout, cancellationToken).ConfigureAwait(false);
        if (request is null || !_tools.Targets.TryGetValue(request.Name, out var target))
            return Failure($"no tool {request?.Name}: the registry has no such unary endpoint (list the tools again)");
        var body = new RawPayload(Arguments(request.Arguments));
        var metadata = token is null ? null : new Dictionary<string, string> { ["authorization"] = "Bearer " + token };
        try
        {
            var reply = await new JsonCaller(client).CallAsync(target.Service, target.Endpoint, body, new CallOptions { Timeout = CallTimeout, Metadata = metadata }, cancellationToken).ConfigureAwait(false);
            return new CallToolResult { Content = [new TextContentBlock { Text = JsonInput.Pretty(reply, indented: false) }] };
        }
        catch (MicroException e)
        {
            return Failure($"{e.Id} ({e.Code}): {e.Detail}");
        }
    }

    private static byte[] Arguments(IDictionary<string, JsonElement>? arguments)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var (name, value) in arguments ?? new Dictionary<string, JsonElement>())
            {
                writer.WritePropertyName(name);
                value.WriteTo(writer);
            }
            writer.WriteEndObject();
        }
        return buffer.ToArray();
    }

    /// <summary>A tool result that is an error, with one line of text.</summary>
    internal static CallToolResult Failure(string message) => new() { IsError = true, Content = [new TextContentBlock { Text = message }] };

    [LoggerMessage(Level = LogLevel.Debug, Message = "could not tell an MCP session that the tool list changed: {Reason}")]
    private static partial void LogNotifyFailed(ILogger logger, string reason);
}
