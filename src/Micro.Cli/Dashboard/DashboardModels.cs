using System.Text.Json;
using Micro.Cli.Output;
using Micro.Registry;

namespace Micro.Cli.Dashboard;

/// <summary>What the page shows: every service with nodes and endpoints, and which registry they come from.</summary>
/// <param name="Version">Increases with every change, so the page can drop stale snapshots.</param>
public sealed record DashboardSnapshot(string Registry, long Version, IReadOnlyList<ServiceInfo> Services);

/// <summary>A call the page asks for: the request is any JSON value.</summary>
public sealed record DashboardCallRequest(string Service, string Endpoint, JsonElement Request, string? Address, IReadOnlyDictionary<string, string>? Metadata, int? TimeoutMs);

/// <summary>The outcome of a call: the reply, or the Micro error.</summary>
public sealed record DashboardCallResult(bool Ok, JsonElement? Response, ErrorDetail? Error, double ElapsedMs);

/// <summary>Whether the dashboard requires signing in, and who is signed in.</summary>
public sealed record DashboardSessionView(bool Auth, string? Account);

/// <summary>A sign-in: an account's id and secret (from <c>micro auth accounts create</c>).</summary>
public sealed record DashboardLoginRequest(string Id, string Secret);

/// <summary>A message the page publishes: a topic and any JSON value.</summary>
public sealed record DashboardPublishRequest(string Topic, JsonElement Message, IReadOnlyDictionary<string, string>? Metadata);

/// <summary>The outcome of a publish: the message id, or the error.</summary>
public sealed record DashboardPublishResult(bool Ok, string? Id, ErrorDetail? Error);
