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
