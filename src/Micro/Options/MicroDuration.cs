using System.Diagnostics.CodeAnalysis;
using System.Globalization;

namespace Micro;

/// <summary>Durations as every Micro setting spells them: <c>250ms</c>, <c>5s</c>, <c>1m</c>, <c>2h</c>, <c>1d</c> or a <see cref="TimeSpan"/> (<c>00:00:05</c>).</summary>
public static class MicroDuration
{
    /// <summary>Parses <paramref name="text"/>; throws <see cref="FormatException"/> saying which forms are accepted.</summary>
    public static TimeSpan Parse(string text) =>
        TryParse(text, out var value) ? value : throw new FormatException($"'{text}' is not a duration (use 250ms, 5s, 1m, 2h, 1d or 00:00:05)");

    /// <summary>Parses <paramref name="text"/>, or returns false.</summary>
    public static bool TryParse([NotNullWhen(true)] string? text, out TimeSpan value)
    {
        value = default;
        if (string.IsNullOrWhiteSpace(text)) return false;
        var s = text.Trim();
        double unit;
        string number;
        if (s.EndsWith("ms", StringComparison.Ordinal)) (number, unit) = (s[..^2], 1.0);
        else if (s.Length > 1 && char.IsAsciiLetter(s[^1]))
            (number, unit) = (s[..^1], s[^1] switch { 's' => 1e3, 'm' => 60e3, 'h' => 3600e3, 'd' => 86400e3, _ => double.NaN });
        else return TimeSpan.TryParse(s, CultureInfo.InvariantCulture, out value);
        if (double.IsNaN(unit) || !double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) || !double.IsFinite(n)) return false;
        var ms = n * unit;
        if (Math.Abs(ms) >= TimeSpan.MaxValue.TotalMilliseconds) return false;
        value = TimeSpan.FromMilliseconds(ms);
        return true;
    }
}
