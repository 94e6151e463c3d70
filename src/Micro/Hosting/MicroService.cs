using Micro.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Micro;

/// <summary>Entry point: <c>MicroService.CreateBuilder(args, "greeter")</c>, like <c>WebApplication.CreateBuilder</c>.</summary>
public static class MicroService
{
    /// <summary>
    /// A builder for a service named <paramref name="name"/>. Configuration comes from appsettings.json,
    /// environment variables and the command line (<c>--address 127.0.0.1:8080</c>).
    /// </summary>
    public static MicroServiceBuilder CreateBuilder(string[] args, string name)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return new MicroServiceBuilder(args, name);
    }

    /// <summary>
    /// A client for programs that only call services (no server of their own), configured from the
    /// environment and <paramref name="args"/> like a service (MICRO_REGISTRY, ...). Dispose it when done.
    /// </summary>
    public static MicroClient CreateClient(string[]? args = null, Action<IServiceCollection>? configure = null)
    {
        var configuration = new ConfigurationBuilder().AddEnvironmentVariables().AddCommandLine(args ?? []).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(configuration);
        services.AddLogging(logging => logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning));
        configure?.Invoke(services);
        services.AddMicro();
        var provider = services.BuildServiceProvider();
        Identity.IdentityServiceCollectionExtensions.StartWithoutHost(provider); // MICRO_TLS on: a certificate before the first call
        var client = provider.GetRequiredService<MicroClient>();
        client.OwnedBy(provider);
        return client;
    }
}
