using System.Diagnostics;

namespace Micro.Telemetry;

/// <summary>
/// W3C trace context (<c>traceparent</c>, <c>tracestate</c>) in RPC metadata and message headers, through
/// <see cref="DistributedContextPropagator.Current"/> so an application that swaps the propagator (OpenTelemetry does
/// for baggage) is obeyed on both sides.
/// </summary>
public static class TraceContext
{
    /// <summary>The W3C header that carries the trace and parent span ids.</summary>
    public const string TraceParent = "traceparent";

    /// <summary>The W3C header that carries vendor trace state.</summary>
    public const string TraceState = "tracestate";

    /// <summary>Writes <paramref name="activity"/>'s context into <paramref name="headers"/> (message headers, metadata).</summary>
    public static void Inject(Activity? activity, IDictionary<string, string> headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        if (activity is null) return;
        DistributedContextPropagator.Current.Inject(activity, headers,
            static (carrier, key, value) => ((IDictionary<string, string>)carrier!)[key] = value);
    }

    /// <summary>The remote parent named by <paramref name="headers"/>, or default when they carry none (or a malformed one).</summary>
    public static ActivityContext Extract(IReadOnlyDictionary<string, string>? headers)
    {
        if (headers is null || !headers.ContainsKey(TraceParent)) return default;
        return Extract(headers, static (object? carrier, string key, out string? value, out IEnumerable<string>? values) =>
        {
            values = null;
            ((IReadOnlyDictionary<string, string>)carrier!).TryGetValue(key, out value);
        });
    }

    /// <summary>The remote parent read through <paramref name="getter"/> from <paramref name="carrier"/>.</summary>
    internal static ActivityContext Extract(object carrier, DistributedContextPropagator.PropagatorGetterCallback getter)
    {
        DistributedContextPropagator.Current.ExtractTraceIdAndState(carrier, getter, out var parent, out var state);
        // Bounded by the transport's header limits; TryParse rejects anything that is not a well-formed traceparent.
        return parent is not null && ActivityContext.TryParse(parent, state, isRemote: true, out var context) ? context : default;
    }

    /// <summary>A copy of <paramref name="headers"/> with <paramref name="activity"/>'s context added (gRPC metadata is reused per attempt).</summary>
    internal static Grpc.Core.Metadata? Inject(Activity? activity, Grpc.Core.Metadata? headers)
    {
        if (activity is null) return headers;
        var result = new Grpc.Core.Metadata();
        if (headers is not null)
            foreach (var entry in headers)
                if (!IsTraceHeader(entry.Key)) result.Add(entry);
        DistributedContextPropagator.Current.Inject(activity, result,
            static (carrier, key, value) => ((Grpc.Core.Metadata)carrier!).Add(key, value));
        return result;
    }

    private static bool IsTraceHeader(string key) =>
        key.Equals(TraceParent, StringComparison.OrdinalIgnoreCase) || key.Equals(TraceState, StringComparison.OrdinalIgnoreCase);
}
