using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace Micro.Server.Internal;

/// <summary>
/// gRPC sends a deadline as time left (<c>grpc-timeout</c>), which the next node adds to its own clock on arrival: each
/// hop's deadline is later than its caller's by the time the request travelled. A call that inherits its deadline also
/// sends the absolute instant here (UTC ticks); the server takes it when it is earlier by at most <see cref="MaxCorrection"/>,
/// so on one host or clocks in step, a deadline never grows along a chain, and a skewed clock can never cut a call short
/// by more than that.
/// </summary>
internal static class DeadlineHeader
{
    public const string Name = "micro-deadline";
    public static readonly TimeSpan MaxCorrection = TimeSpan.FromMilliseconds(50);

    public static string Format(DateTime utc) => utc.Ticks.ToString(CultureInfo.InvariantCulture);

    public static DateTime Correct(DateTime grpcDeadline, HttpContext? http)
    {
        if (http is null) return grpcDeadline;
        var value = http.Request.Headers[Name];
        if (value.Count != 1 || !long.TryParse(value[0], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
            || ticks < DateTime.MinValue.Ticks || ticks > DateTime.MaxValue.Ticks) return grpcDeadline;
        var absolute = new DateTime(ticks, DateTimeKind.Utc);
        return absolute < grpcDeadline && grpcDeadline - absolute <= MaxCorrection ? absolute : grpcDeadline;
    }
}
