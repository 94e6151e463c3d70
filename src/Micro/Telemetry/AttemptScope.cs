using System.Diagnostics;

namespace Micro.Telemetry;

/// <summary>
/// One attempt of a client call as telemetry tracks it: its own span, or the call span it runs under.
/// Which service, endpoint, node and attempt it is, and when it started, the client passes again when it ends: this
/// lives in the state of every call, so it holds nothing the call already has.
/// </summary>
internal readonly record struct AttemptScope(Activity? Span, Activity? Call)
{
    /// <summary>The span whose context the attempt sends as <c>traceparent</c>: its own, else the one it runs under.</summary>
    public Activity? Propagated => Span ?? Call ?? Activity.Current;

    /// <summary>
    /// The context the attempt started in (Micro's span current), restored when it ends; null when the span stayed
    /// current across the transport.
    /// </summary>
    public ExecutionContext? Resume { get; init; }
}
