using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Micro.Plugins;

/// <summary>Registers plug-in implementations by name and picks one per piece from configuration or code.</summary>
public static class PluginServiceCollectionExtensions
{
    /// <summary>Makes an implementation of <typeparamref name="T"/> selectable by name from configuration.</summary>
    public static IServiceCollection AddPlugin<T>(this IServiceCollection services, string name, Func<IServiceProvider, T> create)
        where T : class
        => services.AddSingleton(new PluginFactory<T>(name, create));

    /// <summary>
    /// Registers <typeparamref name="T"/> (unless the app registered one itself) as the plug-in named by
    /// <typeparamref name="TOptions"/>'s <see cref="IPluginOptions.Plugin"/> (<c>MICRO_{PIECE}</c>, <c>Micro:{Piece}:Plugin</c>,
    /// or set in code by a <c>UseXxx()</c> call), or <paramref name="defaultName"/> when it is not set.
    /// </summary>
    public static IServiceCollection AddSelectedPlugin<T, TOptions>(this IServiceCollection services, string piece, string defaultName)
        where T : class where TOptions : class, IPluginOptions, new()
        => services.AddSelectedPlugin<T, TOptions>(piece, defaultName, created: null);

    /// <summary>The same; <paramref name="created"/> sees the plug-in (and the name it was chosen by) once it is built.</summary>
    internal static IServiceCollection AddSelectedPlugin<T, TOptions>(this IServiceCollection services, string piece, string defaultName, Action<IServiceProvider, string, T>? created)
        where T : class where TOptions : class, IPluginOptions, new()
    {
        services.AddMicroOptions<TOptions>(piece);
        services.TryAddSingletonFactory(sp =>
        {
            var name = sp.GetRequiredService<IOptions<TOptions>>().Value.Plugin ?? defaultName;
            var plugin = Create<T>(sp, piece, name);
            created?.Invoke(sp, name, plugin);
            return plugin;
        });
        return services;
    }

    /// <summary>
    /// Picks the plug-in <paramref name="name"/> for <paramref name="piece"/> in code, whatever the configuration says, and
    /// applies <paramref name="configure"/> to the piece's options: what every <c>UseXxx()</c> extension does.
    /// </summary>
    public static IServiceCollection UsePlugin<TOptions>(this IServiceCollection services, string piece, string name, Action<TOptions>? configure = null)
        where TOptions : class, IPluginOptions, new()
    {
        services.AddMicroOptions<TOptions>(piece, o => { o.Plugin = name; configure?.Invoke(o); });
        return services;
    }

    /// <summary>Builds the plug-in named <paramref name="wanted"/>; a clear error names the ones available.</summary>
    private static T Create<T>(IServiceProvider services, string kind, string wanted) where T : class
    {
        var factories = services.GetServices<PluginFactory<T>>().ToList();
        // Last registration wins, like everything else in Microsoft.Extensions.DependencyInjection.
        var factory = factories.LastOrDefault(f => string.Equals(f.Name, wanted, StringComparison.OrdinalIgnoreCase));
        if (factory is null)
        {
            var known = factories.Count == 0 ? "none" : string.Join(", ", factories.Select(f => f.Name).Distinct());
            throw new InvalidOperationException(
                $"{MicroSettings.Describe(char.ToUpperInvariant(kind[0]) + kind[1..], null)} = {wanted}: no {kind} plug-in of that name is registered (available: {known}). " +
                "Reference the plug-in package and call its Add...Plugins() extension.");
        }
        return factory.Create(services);
    }

    private static void TryAddSingletonFactory<T>(this IServiceCollection services, Func<IServiceProvider, T> factory) where T : class
    {
        if (services.Any(d => d.ServiceType == typeof(T))) return;
        services.AddSingleton(factory);
    }
}
