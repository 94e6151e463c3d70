using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Micro;

/// <summary>Registers a piece's options the one way every Micro piece does it.</summary>
public static class MicroOptionsServiceCollectionExtensions
{
    /// <summary>
    /// Registers <typeparamref name="TOptions"/> with <c>Microsoft.Extensions.Options</c>: first read from configuration
    /// (<c>MICRO_{PIECE}_*</c> shortcuts, then <c>Micro:{Piece}:*</c>), then <paramref name="configure"/> and any other
    /// <c>Configure</c> calls in registration order, so code wins over configuration; validated at start
    /// (<c>ValidateOnStart</c>) with messages that name the setting. Calling it again only adds <paramref name="configure"/>.
    /// </summary>
    public static OptionsBuilder<TOptions> AddMicroOptions<TOptions>(this IServiceCollection services, string piece, Action<TOptions>? configure = null)
        where TOptions : class, IMicroOptions, new()
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentException.ThrowIfNullOrWhiteSpace(piece);
        var builder = services.AddOptions<TOptions>();
        if (!services.Any(d => d.ServiceType == typeof(MicroOptionsBinding<TOptions>)))
        {
            services.AddSingleton(new MicroOptionsBinding<TOptions>(piece));
            // First of all the configure steps, whenever it is registered: configuration is the base that code overrides.
            services.Insert(0, ServiceDescriptor.Singleton<IConfigureOptions<TOptions>>(sp =>
                new ConfigureNamedOptions<TOptions>(Options.DefaultName, o => o.Read(new MicroSettings(sp.GetService<IConfiguration>(), piece)))));
            services.AddSingleton<IValidateOptions<TOptions>>(new MicroOptionsValidator<TOptions>(piece));
            builder.ValidateOnStart();
        }
        if (configure is not null) builder.Configure(configure);
        return builder;
    }

    /// <summary>Marks that the configuration binding of <typeparamref name="TOptions"/> is registered (once).</summary>
    private sealed record MicroOptionsBinding<TOptions>(string Piece);

    private sealed class MicroOptionsValidator<TOptions>(string piece) : IValidateOptions<TOptions> where TOptions : class, IMicroOptions
    {
        public ValidateOptionsResult Validate(string? name, TOptions options)
        {
            var errors = options.Validate().ToList();
            return errors.Count == 0 ? ValidateOptionsResult.Success
                : ValidateOptionsResult.Fail(errors.Select(e => $"Micro {piece} options: {e}"));
        }
    }
}
