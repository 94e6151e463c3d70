namespace Micro.Conformance;

/// <summary>The system clock moved by a fixed amount: a client whose clock is wrong (timers run as usual).</summary>
public sealed class ShiftedTimeProvider(TimeSpan shift) : TimeProvider
{
    /// <inheritdoc />
    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + shift;
}
