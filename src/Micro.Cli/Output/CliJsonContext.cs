using System.Text.Json;
using System.Text.Json.Serialization;
using Micro.Registry;

namespace Micro.Cli.Output;

/// <summary>Source-generated JSON for everything the tool prints or serves (NativeAOT-safe, no reflection).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, UseStringEnumConverter = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(IReadOnlyList<ServiceInfo>))]
[JsonSerializable(typeof(RegistryEvent))]
[JsonSerializable(typeof(ErrorView))]
[JsonSerializable(typeof(IReadOnlyList<NodeHealthReport>))]
[JsonSerializable(typeof(StoreRecordView))]
[JsonSerializable(typeof(IReadOnlyList<StoreRecordView>))]
[JsonSerializable(typeof(IReadOnlyList<string>))]
[JsonSerializable(typeof(StoreWriteResult))]
[JsonSerializable(typeof(ConfigValueView))]
[JsonSerializable(typeof(NewServiceResult))]
[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(AuthAccountView))]
[JsonSerializable(typeof(AuthRuleView))]
[JsonSerializable(typeof(IReadOnlyList<AuthRuleView>))]
[JsonSerializable(typeof(AuthTokenView))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(Dashboard.DashboardCallRequest))]
[JsonSerializable(typeof(Dashboard.DashboardCallResult))]
[JsonSerializable(typeof(Dashboard.DashboardSnapshot))]
[JsonSerializable(typeof(Dashboard.DashboardSessionView))]
[JsonSerializable(typeof(Dashboard.DashboardLoginRequest))]
[JsonSerializable(typeof(Dashboard.DashboardPublishRequest))]
[JsonSerializable(typeof(Dashboard.DashboardPublishResult))]
[JsonSerializable(typeof(MessageView))]
[JsonSerializable(typeof(PublishResult))]


internal sealed partial class CliJsonContext : JsonSerializerContext;

/// <summary>An error as <c>--output json</c> prints it: <c>{"error":{"id","code","detail"}}</c>.</summary>
public sealed record ErrorView(ErrorDetail Error);

/// <summary>The Micro error shape: id, HTTP-style code, detail; plus the process exit code.</summary>
public sealed record ErrorDetail(string Id, int Code, string Detail, int ExitCode);

/// <summary>One node's answer to a health check.</summary>
/// <param name="Status">"serving", "not_serving", "reachable" (answers, but has no gRPC health service) or "down".</param>
public sealed record NodeHealthReport(string Service, string Version, string Node, string Address, string Status, string? Detail, double LatencyMs);

/// <summary>A store record as printed: the value as UTF-8 text when it is text, else base64.</summary>
public sealed record StoreRecordView(string Key, string? Value, string? ValueBase64, IReadOnlyDictionary<string, string> Metadata, DateTimeOffset? Expiry, long Version);

/// <summary>What <c>store write</c> reports.</summary>
public sealed record StoreWriteResult(string Key, long Version);

/// <summary>A configuration value: its text, or the flattened subtree under it.</summary>
public sealed record ConfigValueView(string Path, bool Exists, string? Value, IReadOnlyDictionary<string, string>? Children);

/// <summary>What <c>micro new</c> created.</summary>
public sealed record NewServiceResult(string Name, string Service, string Directory, IReadOnlyList<string> Files);

/// <summary>An account as <c>micro auth accounts</c> prints it (the secret only when just created).</summary>
public sealed record AuthAccountView(string Id, string Type, IReadOnlyList<string> Scopes, string? Secret);

/// <summary>A rule as <c>micro auth rules</c> prints it; the resource as type:name:endpoint.</summary>
public sealed record AuthRuleView(string Id, string Access, string Scope, string Resource, int Priority);

/// <summary>Tokens from <c>micro auth token</c>.</summary>
public sealed record AuthTokenView(string AccessToken, string RefreshToken, DateTimeOffset Expiry, DateTimeOffset RefreshExpiry);

/// <summary>A message as <c>micro subscribe</c> prints it: the body as JSON when it is JSON, else as text, else base64.</summary>
/// <param name="Group">The group it was delivered for (a tail's own group unless <c>--group</c> was given).</param>
/// <param name="Attempt">1 on the first delivery.</param>
public sealed record MessageView(string Topic, string? Id, string Group, int Attempt, IReadOnlyDictionary<string, string> Headers,
    JsonElement? Body, string? Text, string? BodyBase64);

/// <summary>What <c>micro publish --output json</c> prints.</summary>
public sealed record PublishResult(string Id, string Topic, string Broker);
