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
}
