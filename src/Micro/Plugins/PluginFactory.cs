namespace Micro.Plugins;

/// <summary>
/// A named way to build an implementation of <typeparamref name="T"/> (a registry, store, sync, ...).
/// Plug-in packages register theirs (e.g. "etcd"); configuration such as <c>MICRO_REGISTRY=etcd</c>
/// picks one at start-up without recompiling. No reflection: the app references the plug-in
/// package and calls its <c>AddXxxPlugins()</c> once, which keeps NativeAOT trimming honest.
/// </summary>
internal sealed class PluginFactory<T>(string name, Func<IServiceProvider, T> create) where T : class
{
    /// <summary>The name configuration picks it by, e.g. <c>etcd</c>.</summary>
    public string Name { get; } = name;

    /// <summary>Builds the implementation from the container.</summary>
    public T Create(IServiceProvider services) => create(services);
}
