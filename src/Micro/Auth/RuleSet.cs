using System.Collections.Concurrent;

namespace Micro.Auth;

/// <summary>
/// Rules compiled for verification: ordered once (priority high to low, deny before grant at equal
/// priority, then by id so the order never depends on insertion), and per resource the rules that
/// can apply are found once and kept, so a call walks a handful of candidates instead of every rule.
/// Immutable: a change of rules builds a new set.
/// </summary>
public sealed class RuleSet
{
    // Resources are the endpoints and topics a process serves: few. The cap only guards against a
    // caller that could name arbitrary resources.
    private const int MaxCachedResources = 4096;

    private readonly Rule[] _ordered;
    private readonly ConcurrentDictionary<(string Type, string Name, string Endpoint), Rule[]> _candidates = new();

    /// <summary>No rules: everything is denied.</summary>
    public static readonly RuleSet Empty = new([]);

    /// <summary>Compiles <paramref name="rules"/> (a later rule with an id already seen is ignored).</summary>
    public RuleSet(IEnumerable<Rule> rules)
    {
        ArgumentNullException.ThrowIfNull(rules);
        _ordered = rules
            .DistinctBy(r => r.Id)
            .OrderByDescending(r => r.Priority)
            .ThenBy(r => r.Access == Access.Denied ? 0 : 1)
            .ThenBy(r => r.Id, StringComparer.Ordinal)
            .ToArray();
    }

    /// <summary>The rules in the order they are considered.</summary>
    public IReadOnlyList<Rule> Rules => _ordered;

    /// <summary>
    /// Go Micro's verification: the first rule (in order) that matches the resource and applies to the
    /// caller decides. Scope "" applies to everyone, "*" to any account, otherwise to accounts holding it.
    /// No applicable rule: denied.
    /// </summary>
    public AccessDecision Verify(Account? account, Resource resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        foreach (var rule in CandidatesFor(resource))
        {
            if (!AppliesTo(rule.Scope, account)) continue;
            return new AccessDecision(rule.Access == Access.Granted, rule);
        }
        return new AccessDecision(false, null);
    }

    /// <summary><see cref="Verify"/> without the explanation or an allocation: the per-call check.</summary>
    public bool IsGranted(Account? account, string type, string name, string endpoint)
    {
        foreach (var rule in CandidatesFor(type, name, endpoint))
            if (AppliesTo(rule.Scope, account)) return rule.Access == Access.Granted;
        return false;
    }

    private Rule[] CandidatesFor(Resource resource) => CandidatesFor(resource.Type, resource.Name, resource.Endpoint);

    private Rule[] CandidatesFor(string type, string name, string endpoint)
    {
        if (_candidates.TryGetValue((type, name, endpoint), out var cached)) return cached;
        var resource = new Resource(type, name, endpoint);
        var candidates = Array.FindAll(_ordered, r => Matches(r.Resource, resource));
        if (_candidates.Count < MaxCachedResources) _candidates.TryAdd((type, name, endpoint), candidates);
        return candidates;
    }

    private static bool AppliesTo(string scope, Account? account) => scope switch
    {
        Rule.PublicScope => true,
        Rule.AnyAccountScope => account is not null,
        _ => account is not null && account.HasScope(scope),
    };

    internal static bool Matches(Resource pattern, Resource resource) =>
        MatchesExactOrAny(pattern.Type, resource.Type)
        && MatchesExactOrAny(pattern.Name, resource.Name)
        && MatchesEndpoint(pattern.Endpoint, resource.Endpoint);

    private static bool MatchesExactOrAny(string pattern, string value) =>
        pattern == "*" || string.Equals(pattern, value, StringComparison.Ordinal);

    /// <summary><c>*</c>, exact, or a wildcard after a separator: <c>Orders.*</c> covers <c>Orders.Create</c>
    /// and <c>Orders.Items.Add</c>; <c>/foo/*</c> covers <c>/foo/bar/baz</c> (Go Micro's web paths).</summary>
    private static bool MatchesEndpoint(string pattern, string endpoint)
    {
        if (MatchesExactOrAny(pattern, endpoint)) return true;
        if (pattern.Length < 2 || !pattern.EndsWith('*')) return false;
        var separator = pattern[^2];
        if (separator is not ('.' or '/')) return false;
        var prefix = pattern.AsSpan(0, pattern.Length - 1);
        return endpoint.Length > prefix.Length && endpoint.AsSpan().StartsWith(prefix, StringComparison.Ordinal);
    }
}
