namespace Micro.Auth;

/// <summary>What a rule does when it applies.</summary>
public enum Access
{
    /// <summary>The call or delivery goes through.</summary>
    Granted,

    /// <summary>The call or delivery is refused (403, or 401 for an anonymous caller).</summary>
    Denied,
}
