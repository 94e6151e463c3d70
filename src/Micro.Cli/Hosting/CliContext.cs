using System.Text.Json.Serialization.Metadata;
using Micro.Cli.Output;
using Microsoft.Extensions.Configuration;

namespace Micro.Cli.Hosting;

/// <summary>What one command invocation has: its output format and streams, and the Micro services it may use.</summary>
public sealed class CliContext : IAsyncDisposable
{
    /// <summary>A context writing to the given streams; <paramref name="overrides"/> win over the environment and appsettings.json.</summary>
    public CliContext(OutputFormat format, bool verbose, IReadOnlyDictionary<string, string?> overrides, TextReader input, TextWriter output, TextWriter error)
    {
        Format = format;
        Verbose = verbose;
        In = input;
        Out = output;
        Error = error;
        Overrides = overrides;
        Services = new CliServices(AddSources(new ConfigurationBuilder()).Build(), verbose);
    }

    /// <summary>The settings given by global options (<c>--registry</c>, ...).</summary>
    public IReadOnlyDictionary<string, string?> Overrides { get; }

    /// <summary>
    /// The configuration sources a service starts with, in its order: appsettings.json in the working directory,
    /// environment variables, then the global options.
    /// </summary>
    public T AddSources<T>(T builder) where T : IConfigurationBuilder
    {
        builder.AddJsonFile(Path.Combine(Directory.GetCurrentDirectory(), "appsettings.json"), optional: true, reloadOnChange: false)
            .AddEnvironmentVariables()
            .AddInMemoryCollection(Overrides);
        return builder;
    }

    /// <summary>Text or JSON.</summary>
    public OutputFormat Format { get; }

    /// <summary>Whether errors carry their stack trace and logging is at Debug.</summary>
    public bool Verbose { get; }

    /// <summary>Where request bodies come from (<c>-</c>, <c>stream</c>).</summary>
    public TextReader In { get; }

    /// <summary>Results.</summary>
    public TextWriter Out { get; }

    /// <summary>Errors and logs.</summary>
    public TextWriter Error { get; }

    /// <summary>Registry, client, store, config.</summary>
    public CliServices Services { get; }

    /// <summary>Whether results are JSON.</summary>
    public bool Json => Format == OutputFormat.Json;

    /// <summary>Writes <paramref name="value"/> as one line of compact JSON.</summary>
    public void WriteJson<T>(T value, JsonTypeInfo<T> type)
    {
        Out.WriteLine(System.Text.Json.JsonSerializer.Serialize(value, type));
        Out.Flush();
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => Services.DisposeAsync();
}
