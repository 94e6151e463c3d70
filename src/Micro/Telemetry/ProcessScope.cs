using System.Diagnostics;

namespace Micro.Telemetry;

/// <summary>One delivery being handled under telemetry: its span (when sampled), the messaging system, when it started.</summary>
internal readonly record struct ProcessScope(Activity? Span, string? System, long Started);
