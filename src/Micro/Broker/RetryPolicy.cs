namespace Micro.Broker;

/// <summary>
/// How a failing message is redelivered: exponential backoff with full jitter between
/// <see cref="InitialDelay"/> and <see cref="MaxDelay"/>, at most <see cref="MaxAttempts"/> deliveries, then the dead-letter topic.
/// </summary>
public sealed class RetryPolicy
{
    /// <summary>Deliveries before the message is dead-lettered (the first delivery counts). Default 5.</summary>
    public int MaxAttempts { get; set; } = 5;

    /// <summary>Delay before the first redelivery. Default 200 ms.</summary>
    public TimeSpan InitialDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Upper bound of any delay. Default 30 s.</summary>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Growth per attempt. Default 2.</summary>
    public double Multiplier { get; set; } = 2;

    /// <summary>Fraction of each delay that is random (0 = none, 1 = full jitter), so retries of many messages spread out. Default 0.2.</summary>
    public double Jitter { get; set; } = 0.2;

    /// <summary>The delay before delivery number <paramref name="attempt"/> + 1.</summary>
    public TimeSpan DelayAfter(int attempt)
    {
        var exponent = Math.Clamp(attempt - 1, 0, 30);
        var nominal = Math.Min(InitialDelay.TotalMilliseconds * Math.Pow(Multiplier, exponent), MaxDelay.TotalMilliseconds);
        var jitter = nominal * Math.Clamp(Jitter, 0, 1) * Random.Shared.NextDouble();
        return TimeSpan.FromMilliseconds(nominal - jitter);
    }

    /// <summary>Problems with the settings, for start-up validation.</summary>
    public IEnumerable<string> Validate(string prefix)
    {
        if (MaxAttempts < 1) yield return prefix + "MaxAttempts must be at least 1";
        if (InitialDelay < TimeSpan.Zero || MaxDelay < InitialDelay) yield return prefix + "delays must satisfy 0 <= InitialDelay <= MaxDelay";
        if (Multiplier < 1) yield return prefix + "Multiplier must be at least 1";
    }
}
