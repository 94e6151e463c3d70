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
        // The runtime's own propagators read a version-00 traceparent the same way: parse it here in one pass, instead
        // of the propagator validating it and ActivityContext.TryParse validating it again (this runs on every call
        // served). Anything else (another propagator, a tracestate, another version, Request-Id) takes the general path.
        if (IsRuntimePropagator(DistributedContextPropagator.Current))
        {
            getter(carrier, TraceParent, out var traceParent, out _);
            if (IsVersion00Length(traceParent))
            {
                getter(carrier, TraceState, out var traceState, out _);
                if (traceState is null) return ParseVersion00(traceParent);
            }
        }
        return ExtractThroughPropagator(carrier, getter);
    }

    private static bool IsVersion00Length([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] string? traceParent) =>
        traceParent is { Length: 55 } && traceParent.StartsWith("00-", StringComparison.Ordinal);

    private static ActivityContext ExtractThroughPropagator(object carrier, DistributedContextPropagator.PropagatorGetterCallback getter)
    {
        DistributedContextPropagator.Current.ExtractTraceIdAndState(carrier, getter, out var parent, out var state);
        // Bounded by the transport's header limits; TryParse rejects anything that is not a well-formed traceparent.
        return parent is not null && ActivityContext.TryParse(parent, state, isRemote: true, out var context) ? context : default;
    }

    /// <summary>
    /// The remote parent named by a request's HTTP headers (the server side of a call). Kestrel answers its typed
    /// <c>TraceParent</c> / <c>TraceState</c> properties from fields, so the common case costs no header-name lookup.
    /// </summary>
    internal static ActivityContext Extract(Microsoft.AspNetCore.Http.IHeaderDictionary headers)
    {
        // The same one-pass path as the getter overload above, read through the typed properties.
        if (IsRuntimePropagator(DistributedContextPropagator.Current) && headers.TraceState.Count == 0
            && headers.TraceParent is { Count: 1 } traceParent && traceParent.ToString() is var value && IsVersion00Length(value))
            return ParseVersion00(value);
        return ExtractThroughPropagator(headers, s_headerDictionary);
    }

    private static readonly DistributedContextPropagator.PropagatorGetterCallback s_headerDictionary =
        static (object? carrier, string key, out string? value, out IEnumerable<string>? values) =>
        {
            values = null;
            var header = ((Microsoft.AspNetCore.Http.IHeaderDictionary)carrier!)[key];
            value = header.Count == 0 ? null : header.ToString();
        };

    private static readonly Type s_w3c = DistributedContextPropagator.CreateW3CPropagator().GetType();
    private static readonly Type s_default = DistributedContextPropagator.CreateDefaultPropagator().GetType();

    private static bool IsRuntimePropagator(DistributedContextPropagator propagator)
    {
        var type = propagator.GetType();
        return type == s_w3c || type == s_default;
    }

    /// <summary>
    /// <c>00-{32 hex trace id}-{16 hex span id}-{2 hex flags}</c>, lowercase, ids not all zero (W3C Trace Context);
    /// default (no parent) when it is not exactly that, as TryParse would answer.
    /// </summary>
    internal static ActivityContext ParseVersion00(string traceParent)
    {
        var text = traceParent.AsSpan();
        if (text.Length != 55 || !text.StartsWith("00-") || text[35] != '-' || text[52] != '-') return default;
        var traceId = text.Slice(3, 32);
        var spanId = text.Slice(36, 16);
        if (!IsLowerHexNotAllZeros(traceId) || !IsLowerHexNotAllZeros(spanId) || !IsLowerHex(text.Slice(53, 2))) return default;
        var flags = (ActivityTraceFlags)(HexValue(text[53]) << 4 | HexValue(text[54]));
        return new ActivityContext(ActivityTraceId.CreateFromString(traceId), ActivitySpanId.CreateFromString(spanId), flags, traceState: null, isRemote: true);
    }

    private static bool IsLowerHexNotAllZeros(ReadOnlySpan<char> text) => IsLowerHex(text) && text.ContainsAnyExcept('0');

    private static bool IsLowerHex(ReadOnlySpan<char> text) => !text.ContainsAnyExcept(s_lowerHex);

    private static readonly System.Buffers.SearchValues<char> s_lowerHex = System.Buffers.SearchValues.Create("0123456789abcdef");

    private static int HexValue(char c) => c <= '9' ? c - '0' : c - 'a' + 10;

    /// <summary>A copy of <paramref name="headers"/> with <paramref name="activity"/>'s context added (gRPC metadata is reused per attempt).</summary>
    internal static Grpc.Core.Metadata? Inject(Activity? activity, Grpc.Core.Metadata? headers)
    {
        if (activity is null) return headers;
        var result = new Grpc.Core.Metadata();
        Fill(result, activity, headers);
        return result;
    }

    [ThreadStatic] private static Grpc.Core.Metadata? t_starting;

    /// <summary>
    /// <see cref="Inject(Activity?, Grpc.Core.Metadata?)"/> for a unary call that this thread starts at once, in this
    /// thread's scratch metadata instead of a new one per call: grpc-dotnet copies call headers into its HTTP request
    /// before <c>AsyncUnaryCall</c> returns (GrpcCall.StartUnaryCore; a channel without a retry policy, as Micro's are,
    /// and guarded by a test), so the scratch is free again when the next call on this thread fills it.
    /// </summary>
    internal static Grpc.Core.Metadata? InjectForUnaryStart(Activity? activity, Grpc.Core.Metadata? headers)
    {
        if (activity is null) return headers;
        var result = t_starting ??= new Grpc.Core.Metadata();
        result.Clear();
        Fill(result, activity, headers);
        return result;
    }

    private static void Fill(Grpc.Core.Metadata result, Activity activity, Grpc.Core.Metadata? headers)
    {
        if (headers is not null)
            foreach (var entry in headers)
                if (!IsTraceHeader(entry.Key)) result.Add(entry);
        // The runtime's propagators write a W3C span without trace state or baggage as its traceparent alone: written here
        // directly, without the propagator's setter callback and baggage walk (every call made).
        if (IsRuntimePropagator(DistributedContextPropagator.Current) && activity.IdFormat == ActivityIdFormat.W3C
            && activity.TraceStateString is null && activity.Baggage is ICollection<KeyValuePair<string, string?>> { Count: 0 } && activity.Id is { } id)
        {
            result.Add(TraceParent, id);
            return;
        }
        DistributedContextPropagator.Current.Inject(activity, result,
            static (carrier, key, value) => ((Grpc.Core.Metadata)carrier!).Add(key, value));
    }

    private static bool IsTraceHeader(string key) =>
        key.Equals(TraceParent, StringComparison.OrdinalIgnoreCase) || key.Equals(TraceState, StringComparison.OrdinalIgnoreCase);
}
