using Micro.Client;
using Micro.Registry;
using Micro.Server;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Micro.Tests.Rpc;

/// <summary>Several real nodes of one service on loopback, sharing an in-memory registry, plus a client.</summary>
internal sealed class TestCluster : IAsyncDisposable
{
    private readonly List<MicroApp> _nodes = [];

    public TestCluster(IRegistry? registry = null) => Registry = registry ?? new MemoryRegistry();

    public IRegistry Registry { get; }
    public IReadOnlyList<MicroApp> Nodes => _nodes;

    public async Task<MicroApp> StartNodeAsync(string service, Action<MicroServiceBuilder> configure, ServerOptions? options = null)
    {
        var builder = MicroService.CreateBuilder([], service);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton(Registry);
        builder.Services.AddMicroJsonReflection(); // the tests' plain records travel as JSON by reflection (JIT)
        builder.Server = options ?? new ServerOptions { GracePeriod = TimeSpan.FromSeconds(5) };
        configure(builder);
        var app = builder.Build();
        await app.StartAsync();
        _nodes.Add(app);
        return app;
    }

    public MicroClient CreateClient(ClientOptions? options = null, Micro.Selector.ISelector? selector = null, IEnumerable<Middleware.IClientMiddleware>? middleware = null) =>
        CreateClient(Registry, selector, options, middleware);

    /// <summary>A client over any registry whose JSON codec handles the tests' plain records by reflection.</summary>
    public static MicroClient CreateClient(IRegistry registry, Micro.Selector.ISelector? selector = null, ClientOptions? options = null, IEnumerable<Middleware.IClientMiddleware>? middleware = null) =>
        new(registry, selector, new Micro.Codec.CodecRegistry([new Micro.Codec.ProtobufCodec(), Micro.Codec.JsonCodec.WithReflection()]), options: options, middleware: middleware);

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            try { await node.StopAsync(); } catch (ObjectDisposedException) { }
            await node.DisposeAsync();
        }
    }
}

/// <summary>A registry that forgets to deregister: what a crashed process looks like to its peers.</summary>
internal sealed class NoDeregisterRegistry(IRegistry inner) : IRegistry
{
    public string Name => inner.Name;
    public Task RegisterAsync(ServiceInfo service, RegisterOptions? options = null, CancellationToken cancellationToken = default) => inner.RegisterAsync(service, options, cancellationToken);
    public Task DeregisterAsync(ServiceInfo service, CancellationToken cancellationToken = default) => Task.CompletedTask;
    public Task<IReadOnlyList<ServiceInfo>> GetServiceAsync(string name, CancellationToken cancellationToken = default) => inner.GetServiceAsync(name, cancellationToken);
    public Task<IReadOnlyList<ServiceInfo>> ListServicesAsync(CancellationToken cancellationToken = default) => inner.ListServicesAsync(cancellationToken);
    public IAsyncEnumerable<RegistryEvent> WatchAsync(string? service = null, CancellationToken cancellationToken = default) => inner.WatchAsync(service, cancellationToken);
}

internal sealed record Echo(string Text, int Seq = 0);
internal sealed record EchoReply(string Text, string Node, int Seq = 0);
