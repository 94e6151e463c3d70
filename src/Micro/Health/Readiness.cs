namespace Micro.Health;

/// <summary>Whether this node should get traffic, and why not.</summary>
/// <param name="Serving">True when registered, not draining, and every readiness check is healthy.</param>
/// <param name="Reason">"serving", "not registered", "draining", or the failing check's name and description.</param>
internal sealed record Readiness(bool Serving, string Reason);
