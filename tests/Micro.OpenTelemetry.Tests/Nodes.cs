using Micro.Registry;
using Micro.Server;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Micro.OpenTelemetry.Tests;

/// <summary>Real Micro nodes on loopback sharing one in-memory registry; each test names its services uniquely.</summary>
internal sealed class Nodes : IAsyncDisposable
{
    private readonly List<MicroApp> _apps = [];
    private readonly List<IAsyncDisposable> _clients = [];

    public MemoryRegistry Registry { get; } = new();

    /// <summary>A fresh prefix so concurrent runs and earlier tests never share a service name.</summary>
    public static string Unique(string name) => name + Guid.NewGuid().ToString("N")[..8];

    public async Task<MicroApp> StartAsync(string service, Action<MicroServiceBuilder> configure)
    {
        var builder = MicroService.CreateBuilder([], service);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton<IRegistry>(Registry);
        builder.Server = new ServerOptions { GracePeriod = TimeSpan.FromSeconds(2) };
        configure(builder);
        var app = builder.Build();
        await app.StartAsync();
        _apps.Add(app);
        return app;
    }

    public Client.MicroClient Client(Action<IServiceCollection>? configure = null)
    {
        var client = MicroService.CreateClient([], services =>
        {
            services.AddSingleton<IRegistry>(Registry);
            configure?.Invoke(services);
        });
        _clients.Add(client);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients) await client.DisposeAsync();
        foreach (var app in _apps)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}
