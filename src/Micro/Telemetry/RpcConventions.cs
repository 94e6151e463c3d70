namespace Micro.Telemetry;

/// <summary>Which generation of the OpenTelemetry RPC semantic conventions to emit (both during a migration).</summary>
[Flags]
internal enum RpcConventions
{
    /// <summary>v1.37 and before: rpc.system, rpc.service + rpc.method, rpc.grpc.status_code, rpc.*.duration in ms.</summary>
    Legacy = 1,

    /// <summary>The stable set: rpc.system.name, rpc.method = "service/method", rpc.response.status_code, rpc.*.call.duration in s.</summary>
    Stable = 2,
}

internal static class RpcConventionsParser
{
    /// <summary>Reads <c>OTEL_SEMCONV_STABILITY_OPT_IN</c>: "rpc/dup" wins over "rpc"; absent means the legacy names.</summary>
    public static RpcConventions Parse(string? optIn)
    {
        if (string.IsNullOrWhiteSpace(optIn)) return RpcConventions.Legacy;
        var values = optIn.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (values.Contains("rpc/dup", StringComparer.OrdinalIgnoreCase)) return RpcConventions.Legacy | RpcConventions.Stable;
        if (values.Contains("rpc", StringComparer.OrdinalIgnoreCase)) return RpcConventions.Stable;
        return RpcConventions.Legacy;
    }
}
