using System.Runtime.CompilerServices;
using Micro.Client;
using Micro.Codec;
using Micro.Registry;

namespace Micro.Cli.Calls;

/// <summary>
/// JSON calls through the normal Micro client (discovery, selection, retries, deadlines, client middleware), for the
/// CLI, the dashboard and the MCP server alike: the request goes out as the user's JSON bytes with
/// <c>micro-content-type: application/json</c>, and the reply comes back as the service's JSON.
/// </summary>
public sealed class JsonCaller(IMicroClient client)
{
    /// <summary>Calls a unary endpoint.</summary>
    /// <exception cref="MicroException">The documented Micro error: not found, malformed payload, unavailable, deadline, ...</exception>
    public Task<RawPayload> CallAsync(string service, string endpoint, RawPayload request, CallOptions? options, CancellationToken cancellationToken) =>
        client.CallAsync<RawPayload, RawPayload>(service, endpoint, request, Json(options), cancellationToken);

    /// <summary>
    /// Runs a streaming endpoint of the given kind ("bidi", "server" or "client"): sends <paramref name="requests"/>
    /// (a server stream takes only the first) and yields every reply.
    /// </summary>
    public async IAsyncEnumerable<RawPayload> StreamAsync(string service, string endpoint, string kind, IAsyncEnumerable<RawPayload> requests,
        CallOptions? options, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(requests);
        options = Json(options);
        switch (kind)
        {
            case "server":
                RawPayload? first = null;
                await foreach (var request in requests.WithCancellation(cancellationToken).ConfigureAwait(false)) { first = request; break; }
                await foreach (var reply in client.ServerStreamAsync<RawPayload, RawPayload>(service, endpoint, first ?? new RawPayload("{}"u8.ToArray()), options, cancellationToken).ConfigureAwait(false))
                    yield return reply;
                break;
            case "client":
                yield return await client.ClientStreamAsync<RawPayload, RawPayload>(service, endpoint, requests, options, cancellationToken).ConfigureAwait(false);
                break;
            default:
                // A request that fails to send (malformed JSON on stdin) must end the call, not leave it waiting.
                using (var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
                await using (var stream = await client.StreamAsync<RawPayload, RawPayload>(service, endpoint, options, linked.Token).ConfigureAwait(false))
                {
                    var sending = SendAllAsync(stream, requests, linked);
                    var replies = stream.ReadAllAsync(linked.Token).GetAsyncEnumerator(linked.Token);
                    try
                    {
                        while (true)
                        {
                            bool more;
                            try { more = await replies.MoveNextAsync().ConfigureAwait(false); }
                            catch (Exception) when (linked.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
                            {
                                await sending.ConfigureAwait(false); // rethrows why sending stopped
                                throw;
                            }
                            if (!more) break;
                            yield return replies.Current;
                        }
                    }
                    finally
                    {
                        await replies.DisposeAsync().ConfigureAwait(false);
                    }
                    if (!sending.IsCompleted)
                    {
                        // The server ended the stream first; stop reading requests nobody will answer.
                        await linked.CancelAsync().ConfigureAwait(false);
                        try { await sending.ConfigureAwait(false); }
                        catch (OperationCanceledException) { }
                    }
                    else await sending.ConfigureAwait(false);
                }
                break;
        }
    }

    /// <summary>The streaming kind the registry records for an endpoint ("bidi", "server", "client"), or null for unary.</summary>
    public static string? StreamKind(EndpointInfo endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        return endpoint.Metadata.TryGetValue("stream", out var kind) ? kind : null;
    }

    private static async Task SendAllAsync(IMicroStream<RawPayload, RawPayload> stream, IAsyncEnumerable<RawPayload> requests, CancellationTokenSource call)
    {
        try
        {
            await foreach (var request in requests.WithCancellation(call.Token).ConfigureAwait(false))
                await stream.SendAsync(request, call.Token).ConfigureAwait(false);
            await stream.CompleteAsync().ConfigureAwait(false);
        }
        catch
        {
            await call.CancelAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static CallOptions Json(CallOptions? options) => (options ?? CallOptions.Default) with { ContentType = JsonCodec.MediaType };
}
