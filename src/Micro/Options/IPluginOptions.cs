namespace Micro;

/// <summary>Options of a piece with several implementations (registry, store, sync, broker, ...): which one to use.</summary>
public interface IPluginOptions : IMicroOptions
{
    /// <summary>The implementation's name (<c>MICRO_STORE=postgres</c>, <c>Micro:Store:Plugin</c>); null = the piece's default.</summary>
    string? Plugin { get; set; }
}
