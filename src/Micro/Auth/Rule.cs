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

    public string Scope { get; init; } = AnyAccountScope;

    public required Resource Resource { get; init; }

    public Access Access { get; init; } = Access.Granted;

    public int Priority { get; init; }

    public override string ToString() =>
        $"rule '{Id}' ({Access.ToString().ToLowerInvariant()} scope '{Scope}' on {Resource}, priority {Priority})";
}
