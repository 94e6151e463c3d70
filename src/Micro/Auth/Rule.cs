namespace Micro.Auth;

/// <summary>
/// One access rule, as in Go Micro. <see cref="Scope"/>: <c>""</c> = anyone, anonymous callers
/// included; <c>"*"</c> = any authenticated account; anything else = accounts holding that scope.
/// Higher <see cref="Priority"/> is considered first; at equal priority a deny beats a grant.
/// </summary>
public sealed record Rule
{
    /// <summary>Scope that matches every caller, anonymous ones included.</summary>
    public const string PublicScope = "";

    /// <summary>Scope that matches every authenticated account.</summary>
    public const string AnyAccountScope = "*";

    /// <summary>Unique id; granting a rule with an existing id replaces it.</summary>
    public required string Id { get; init; }

    /// <summary>Who the rule applies to: <see cref="PublicScope"/>, <see cref="AnyAccountScope"/> or a scope name.</summary>
    public string Scope { get; init; } = AnyAccountScope;

    /// <summary>What the rule covers; fields may be <c>*</c>, the endpoint <c>Prefix.*</c>.</summary>
    public required Resource Resource { get; init; }

    /// <summary>Grant or deny.</summary>
    public Access Access { get; init; } = Access.Granted;

    /// <summary>Higher first; at equal priority a deny beats a grant.</summary>
    public int Priority { get; init; }

    /// <summary>A one-line description for logs and error messages.</summary>
    public override string ToString() =>
        $"rule '{Id}' ({Access.ToString().ToLowerInvariant()} scope '{Scope}' on {Resource}, priority {Priority})";
}
