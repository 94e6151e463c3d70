using Micro.Registry;
using Microsoft.Extensions.Logging;

namespace Micro.Telemetry;

/// <summary>
/// Micro's client-side log events (ids 100-199; the README lists every id). Values are names, addresses and error ids:
/// never metadata, tokens or payloads.
/// </summary>
internal static partial class TelemetryLog
{
    [LoggerMessage(101, LogLevel.Information, "Retrying {Service} {Endpoint}: attempt {Attempt} on node {NodeId} ({Address}) failed with {ErrorId}")]
    public static partial void Retrying(ILogger logger, string service, string endpoint, int attempt, string nodeId, string address, string errorId);

    [LoggerMessage(102, LogLevel.Warning, "Node {NodeId} ({Address}) of {Service} quarantined for {Quarantine} after {ErrorId}")]
    public static partial void Quarantined(ILogger logger, string nodeId, string address, string service, TimeSpan quarantine, string errorId);

    [LoggerMessage(103, LogLevel.Debug, "Registry change: {Service} {Change} ({Nodes} node(s))")]
    public static partial void RegistryChanged(ILogger logger, string service, RegistryEventType change, int nodes);
}
