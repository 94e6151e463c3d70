namespace Micro.Identity;

/// <summary>A certificate was refused: not authorized, denied, malformed, or not chained to the trust bundle.</summary>
public sealed class IdentityException(string message) : Exception(message);
