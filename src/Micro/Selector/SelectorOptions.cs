namespace Micro.Selector;

/// <summary>Which selector picks a node for each call: <c>MICRO_SELECTOR=p2c|random|roundrobin</c> or <c>Micro:Selector:Plugin</c>.</summary>
public sealed class SelectorOptions : IPluginOptions
{
    /// <summary>The selector's name; null = <c>p2c</c> (power of two choices).</summary>
    public string? Plugin { get; set; }

    /// <inheritdoc/>
    public void Read(MicroSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        Plugin = settings.Plugin ?? Plugin;
    }

    /// <inheritdoc/>
    public IEnumerable<string> Validate() => [];
}
