using System.Text.Json;
using Micro.Cli.Calls;
using Micro.Cli.Discovery;
using Micro.Cli.Output;
using Micro.Client;
using Micro.Errors;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Micro.Cli.Mcp;

/// <summary>
/// An MCP server whose tools are the registry's endpoints (see <see cref="McpTools"/>). The list follows the registry live:
/// when it changes the server sends <c>notifications/tools/list_changed</c>. Calls go through the normal Micro client, so
/// discovery, retries, deadlines and client middleware (auth, tracing) apply as for any caller.
/// </summary>
public sealed partial class McpToolServer(RegistryView view, IMicroClient client, ILoggerFactory logging)
{
    private volatile McpTools _tools = McpTools.Empty; // replaced whole by the registry follower, read by the handlers

    /// <summary>Per-call deadline (MCP clients wait on the reply).</summary>
    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Serves MCP over <paramref name="transport"/> until the client disconnects or <paramref name="cancellationToken"/> fires.</summary>
    public async Task RunAsync(ITransport transport, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(transport);
        _tools = McpTools.From(view.Current.Services);
        var options = new McpServerOptions
        {
            ServerInfo = new Implementation { Name = "micro", Version = typeof(McpToolServer).Assembly.GetName().Version?.ToString(3) ?? "0.0.0" },
            ServerInstructions = "Each tool calls one endpoint of a Micro service found in the service registry. Arguments are the endpoint's JSON request; the result is its JSON reply.",
            Capabilities = new ServerCapabilities { Tools = new ToolsCapability { ListChanged = true } },
            Handlers = new McpServerHandlers
            {
                ListToolsHandler = (request, ct) => ValueTask.FromResult(new ListToolsResult { Tools = [.. _tools.Tools] }),
                CallToolHandler = (request, ct) => CallAsync(request.Params, ct),
            },
        };
        await using var server = McpServer.Create(transport, options, logging);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var following = FollowAsync(server, stop.Token);
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

    private async Task FollowAsync(McpServer server, CancellationToken cancellationToken)
    {
        await foreach (var snapshot in view.SubscribeAsync(cancellationToken).ConfigureAwait(false))
        {
            var next = McpTools.From(snapshot.Services);
            if (next.Signature == _tools.Signature) continue;
            _tools = next;
            try
            {
                await server.SendNotificationAsync(NotificationMethods.ToolListChangedNotification, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogNotifyFailed(logging.CreateLogger("Micro.Cli.Mcp"), e.Message);
            }
        }
    }

    private async ValueTask<CallToolResult> CallAsync(CallToolRequestParams? request, CancellationToken cancellationToken)
    {
        if (request is null || !_tools.Targets.TryGetValue(request.Name, out var target))
            return Failure($"no tool {request?.Name}: the registry has no such unary endpoint (list the tools again)");
        var body = new RawPayload(Arguments(request.Arguments));
        try
        {
            var reply = await new JsonCaller(client).CallAsync(target.Service, target.Endpoint, body, new CallOptions { Timeout = CallTimeout }, cancellationToken).ConfigureAwait(false);
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

    private static CallToolResult Failure(string message) => new() { IsError = true, Content = [new TextContentBlock { Text = message }] };

    [LoggerMessage(Level = LogLevel.Warning, Message = "could not tell the MCP client that the tool list changed: {Reason}")]
    private static partial void LogNotifyFailed(ILogger logger, string reason);
}
