using System.Diagnostics;
using Micro.Telemetry;

namespace Micro.Tests.Telemetry;

public class TraceContextTests
{
    [Theory]
    [InlineData(null, RpcConventions.Legacy)]
    [InlineData("", RpcConventions.Legacy)]
    [InlineData("http", RpcConventions.Legacy)]
    [InlineData("rpc", RpcConventions.Stable)]
    [InlineData("http, rpc", RpcConventions.Stable)]
    [InlineData("rpc/dup", RpcConventions.Legacy | RpcConventions.Stable)]
    [InlineData("rpc,rpc/dup", RpcConventions.Legacy | RpcConventions.Stable)]
    internal void The_stability_opt_in_picks_the_conventions(string? optIn, RpcConventions expected) =>
        Assert.Equal(expected, RpcConventionsParser.Parse(optIn));

    [Fact]
    public void Trace_context_round_trips_through_headers()
    {
        using var activity = new Activity("test").SetIdFormat(ActivityIdFormat.W3C).Start();
        activity.TraceStateString = "vendor=1";
        activity.ActivityTraceFlags = ActivityTraceFlags.Recorded;
        var headers = new Dictionary<string, string>();
        TraceContext.Inject(activity, headers);
        Assert.Equal($"00-{activity.TraceId}-{activity.SpanId}-01", headers[TraceContext.TraceParent]);

        var parent = TraceContext.Extract(headers);
        Assert.Equal((activity.TraceId, activity.SpanId, "vendor=1", true), (parent.TraceId, parent.SpanId, parent.TraceState, parent.IsRemote));
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("00-00000000000000000000000000000000-0000000000000000-01")]
    [InlineData("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331")]
    public void A_malformed_traceparent_means_no_parent(string traceparent) =>
        Assert.Equal(default, TraceContext.Extract(new Dictionary<string, string> { [TraceContext.TraceParent] = traceparent }));

    [Theory]
    [InlineData("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")]
    [InlineData("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00")]
    [InlineData("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-ff")]
    [InlineData("00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01")]
    [InlineData("00-0af7651916cd43dd8448eb211c80319c-B7AD6B7169203331-01")]
    [InlineData("00-00000000000000000000000000000000-b7ad6b7169203331-01")]
    [InlineData("00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01")]
    [InlineData("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-0g")]
    [InlineData("00-0af7651916cd43dd8448eb211c80319g-b7ad6b7169203331-01")]
    [InlineData("00-0af7651916cd43dd8448eb211c80319c_b7ad6b7169203331-01")]
    [InlineData("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331_01")]
    [InlineData("01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")]
    public void The_one_pass_traceparent_parser_agrees_with_the_runtime(string traceparent)
    {
        // What the runtime makes of it: its W3C propagator's checks, then ActivityContext.TryParse.
        DistributedContextPropagator.CreateW3CPropagator().ExtractTraceIdAndState(traceparent,
            static (object? carrier, string key, out string? value, out IEnumerable<string>? values) =>
            {
                values = null;
                value = key == TraceContext.TraceParent ? (string)carrier! : null;
            }, out var parent, out _);
        var expected = parent is not null && ActivityContext.TryParse(parent, null, isRemote: true, out var context) ? context : default;
        if (traceparent.StartsWith("00-", StringComparison.Ordinal)) Assert.Equal(expected, TraceContext.ParseVersion00(traceparent));
        // As a server reads it (another version takes the runtime's path).
        Assert.Equal(expected, TraceContext.Extract(new Dictionary<string, string> { [TraceContext.TraceParent] = traceparent }));
    }

    [Fact]
    public void Grpc_metadata_gets_the_context_of_each_attempt_without_keeping_an_old_one()
    {
        var headers = new Grpc.Core.Metadata { { "x-user", "ada" }, { TraceContext.TraceParent, "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" } };
        using var activity = new Activity("attempt").SetIdFormat(ActivityIdFormat.W3C).Start();
        var sent = TraceContext.Inject(activity, headers)!;
        Assert.Equal("ada", sent.GetValue("x-user"));
        Assert.Equal($"00-{activity.TraceId}-{activity.SpanId}-00", Assert.Single(sent, e => e.Key == TraceContext.TraceParent).Value);
        Assert.Same(headers, TraceContext.Inject(null, headers)); // nothing to propagate: the headers go as they are
    }

    [Fact]
    public void Unary_start_metadata_carries_this_attempts_context_and_nothing_left_from_the_last_call()
    {
        var headers = new Grpc.Core.Metadata { { "x-user", "ada" }, { TraceContext.TraceParent, "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" } };
        using var first = new Activity("first").SetIdFormat(ActivityIdFormat.W3C).Start();
        var sent = TraceContext.InjectForUnaryStart(first, headers)!;
        Assert.Equal(["x-user", TraceContext.TraceParent], sent.Select(e => e.Key));
        Assert.Equal($"00-{first.TraceId}-{first.SpanId}-00", sent.GetValue(TraceContext.TraceParent));

        using var second = new Activity("second").SetIdFormat(ActivityIdFormat.W3C).Start();
        second.TraceStateString = "vendor=1";
        second.AddBaggage("tenant", "t1");
        sent = TraceContext.InjectForUnaryStart(second, null)!;
        // Trace state and baggage take the propagator's path: what is sent is exactly what the propagator writes.
        Assert.Equal(Propagated(second), sent.Select(e => (e.Key, e.Value)).Order());
        Assert.Contains(sent, e => e.Key == TraceContext.TraceState);
        Assert.Equal(Propagated(first), TraceContext.InjectForUnaryStart(first, null)!.Select(e => (e.Key, e.Value)).Order());
        Assert.Same(headers, TraceContext.InjectForUnaryStart(null, headers));
    }

    private static IEnumerable<(string, string)> Propagated(Activity activity)
    {
        var written = new List<(string, string)>();
        DistributedContextPropagator.Current.Inject(activity, written, static (carrier, key, value) => ((List<(string, string)>)carrier!).Add((key, value)));
        return written.Order();
    }

    [Fact]
    public async Task Grpc_dotnet_copies_call_headers_before_a_unary_call_returns()
    {
        // What InjectForUnaryStart relies on: the metadata may be refilled as soon as AsyncUnaryCall has returned.
        var handler = new GatedHandler();
        using var channel = Grpc.Net.Client.GrpcChannel.ForAddress("http://127.0.0.1:9", new Grpc.Net.Client.GrpcChannelOptions { HttpHandler = handler });
        var marshaller = Grpc.Core.Marshallers.Create<string>(System.Text.Encoding.UTF8.GetBytes, System.Text.Encoding.UTF8.GetString);
        var method = new Grpc.Core.Method<string, string>(Grpc.Core.MethodType.Unary, "probe.Probe", "Call", marshaller, marshaller);
        var headers = new Grpc.Core.Metadata { { "x-probe", "first" } };
        using var call = channel.CreateCallInvoker().AsyncUnaryCall(method, null, new Grpc.Core.CallOptions(headers), "x");
        headers.Clear();
        headers.Add("x-probe", "second");
        handler.Open.SetResult();
        await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => call.ResponseAsync);
        Assert.Equal(["first"], await handler.Seen.Task);
    }

    /// <summary>Reads the request's headers only once opened, then fails the request.</summary>
    private sealed class GatedHandler : HttpMessageHandler
    {
        public TaskCompletionSource Open { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource<string[]> Seen { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            await Open.Task.WaitAsync(cancellationToken);
            Seen.SetResult(request.Headers.TryGetValues("x-probe", out var values) ? [.. values] : []);
            throw new HttpRequestException("probe: not sent");
        }
    }
}
