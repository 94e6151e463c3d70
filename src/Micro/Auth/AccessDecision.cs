namespace Micro.Auth;

/// <summary>The outcome of <see cref="IAuth.Verify"/>: whether access is granted, and which rule decided.</summary>
public readonly record struct AccessDecision(bool Granted, Rule? DecidingRule)
{
    /// <summary>Why: the deciding rule, or that no rule matched (which denies).</summary>
    public string Explain(Resource resource, Account? account)
    {
        var who = account is null ? "anonymous caller" : $"account '{account.Id}'";
        return DecidingRule is null
            ? $"{who} denied {resource}: no rule matches (no rule = denied)"
            : $"{who} {(Granted ? "granted" : "denied")} {resource} by {DecidingRule}";
    }
}
