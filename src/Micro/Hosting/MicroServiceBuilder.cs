using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net;
using Grpc.AspNetCore.Server.Model;
using Micro.Auth;
using Micro.Codec;
using Micro.Broker;
using Micro.Broker.Internal;
using Micro.Hosting.Internal;
using Micro.Middleware;
using Micro.Plugins;
using Micro.Server;
using Micro.Server.Internal;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Micro;

/// <summary>Configures a Micro service: its handlers, middleware, plug-ins and settings.</summary>
public sealed class MicroServiceBuilder
{
    private readonly WebApplicationBuilder _web;
    private readonly List<HandlerDescriptor> _handlers = [];
    private readonly List<IServerMiddleware> _middleware = [];
    private readonly List<SubscriptionRegistration> _subscriptions = [];

    internal MicroServiceBuilder(string[] args, string name)
    {
        Name = name;
        _web = WebApplication.CreateSlimBuilder(args);
        // Per-request logs from ASP.NET drown a service's own; Micro logs what matters.
        _web.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        // A service's data lives in its own database unless configured otherwise.
        _web.Services.PostConfigure<Store.StoreOptions>(o => o.Database ??= name);
        _web.Services.AddSingleton(new BrokerServiceName(name));
        // Before AddMicro: the service's auth identity is its name (AddMicro's own AddMicroAuth is then a no-op).
        _web.Services.AddMicroAuth(name);
        _web.Services.AddMicro();
        _web.Services.AddHostedService<Auth.AuthHostedService>();
    }

    /// <summary>The service name other services call it by.</summary>
    public string Name { get; }

    /// <summary>The app's DI container, with Micro's defaults already added (TryAdd: registrations here win).</summary>
    public IServiceCollection Services => _web.Services;
    /// <summary>Settings from appsettings, environment (MICRO_*) and the command line; add sources here.</summary>
    public ConfigurationManager Configuration => _web.Configuration;
    /// <summary>Logging setup; ASP.NET Core's per-request logs are filtered to warnings.</summary>
    public ILoggingBuilder Logging => _web.Logging;
    /// <summary>The hosting environment (Development, Production, ...).</summary>
    public IHostEnvironment Environment => _web.Environment;

    /// <summary>Server settings; when not set in code they come from configuration (<c>--address</c>, MICRO_SERVER_*).</summary>
    public ServerOptions? Server { get; set; }

    /// <summary>Serves <paramref name="endpoint"/> ("Greeter.Hello") with a synchronous handler.</summary>
    /// <param name="endpoint">The endpoint name, <c>Type.Method</c>; checked here, not at start.</param>
    /// <param name="handler">Answers one request; throw <see cref="MicroException"/> to send the caller an error.</param>
    /// <param name="idempotent">Running it twice does no harm (a read, a put of a whole value): the registry says so and
    /// clients then retry it on another node after a failure in mid-call, not only when it provably did not run.</param>
    public MicroServiceBuilder Handle<
        [DynamicallyAccessedMembers(MessageType.Members)] TRequest,
        [DynamicallyAccessedMembers(MessageType.Members)] TResponse>(string endpoint, Func<TRequest, CallContext, TResponse> handler, bool idempotent = false)
        where TRequest : class where TResponse : class
    {
        ArgumentNullException.ThrowIfNull(handler);
        return Add(new UnaryHandlerDescriptor<TRequest, TResponse>(endpoint, (request, context) => ValueTask.FromResult(handler(request, context))) { Idempotent = idempotent });
    }

    /// <summary>Serves <paramref name="endpoint"/> with an asynchronous handler.</summary>
    /// <param name="endpoint">The endpoint name, <c>Type.Method</c>; checked here, not at start.</param>
    /// <param name="handler">Answers one request; throw <see cref="MicroException"/> to send the caller an error.</param>
    /// <param name="idempotent">See <see cref="Handle{TRequest, TResponse}(string, Func{TRequest, CallContext, TResponse}, bool)"/>.</param>
    public MicroServiceBuilder Handle<
        [DynamicallyAccessedMembers(MessageType.Members)] TRequest,
        [DynamicallyAccessedMembers(MessageType.Members)] TResponse>(string endpoint, Func<TRequest, CallContext, Task<TResponse>> handler, bool idempotent = false)
        where TRequest : class where TResponse : class
    {
        ArgumentNullException.ThrowIfNull(handler);
        return Add(new UnaryHandlerDescriptor<TRequest, TResponse>(endpoint, (request, context) => new ValueTask<TResponse>(handler(request, context))) { Idempotent = idempotent });
    }

    /// <summary>Serves a bidirectional streaming endpoint.</summary>
    public MicroServiceBuilder HandleStream<
        [DynamicallyAccessedMembers(MessageType.Members)] TRequest,
        [DynamicallyAccessedMembers(MessageType.Members)] TResponse>(string endpoint,
        Func<IAsyncEnumerable<TRequest>, IStreamWriter<TResponse>, CallContext, Task> handler)
        where TRequest : class where TResponse : class
    {
        ArgumentNullException.ThrowIfNull(handler);
        return Add(new DuplexHandlerDescriptor<TRequest, TResponse>(endpoint, handler));
    }

    /// <summary>Serves a server streaming endpoint: one request, many responses.</summary>
    public MicroServiceBuilder HandleServerStream<
        [DynamicallyAccessedMembers(MessageType.Members)] TRequest,
        [DynamicallyAccessedMembers(MessageType.Members)] TResponse>(string endpoint,
        Func<TRequest, IStreamWriter<TResponse>, CallContext, Task> handler)
        where TRequest : class where TResponse : class
    {
        ArgumentNullException.ThrowIfNull(handler);
        return Add(new ServerStreamHandlerDescriptor<TRequest, TResponse>(endpoint, handler));
    }

    /// <summary>Serves a client streaming endpoint: many requests, one response.</summary>
    public MicroServiceBuilder HandleClientStream<
        [DynamicallyAccessedMembers(MessageType.Members)] TRequest,
        [DynamicallyAccessedMembers(MessageType.Members)] TResponse>(string endpoint,
        Func<IAsyncEnumerable<TRequest>, CallContext, Task<TResponse>> handler)
        where TRequest : class where TResponse : class
    {
        ArgumentNullException.ThrowIfNull(handler);
        return Add(new ClientStreamHandlerDescriptor<TRequest, TResponse>(endpoint, handler));
    }

    /// <summary>Wraps every handler; the first added is the outermost.</summary>
    public MicroServiceBuilder Use(IServerMiddleware middleware)
    {
        ArgumentNullException.ThrowIfNull(middleware);
        _middleware.Add(middleware);
        return this;
    }

    /// <summary>
    /// Handles messages of <paramref name="topic"/>. By default the service's replicas share them (group = service name);
    /// <c>o =&gt; o.Broadcast = true</c> gives every replica every message. Returning acks; throwing retries with backoff,
    /// then dead-letters to <c>&lt;topic&gt;.dlq</c>.
    /// </summary>
    public MicroServiceBuilder Subscribe<
        [DynamicallyAccessedMembers(MessageType.Members)] T>(string topic, Func<T, MessageContext, Task> handler, Action<SubscribeOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        TopicName.Validate(topic);
        var options = new SubscribeOptions { Group = Name };
        configure?.Invoke(options);
        if (!options.Broadcast) TopicName.ValidateGroup(options.Group ?? Name);
        _subscriptions.Add(new SubscriptionRegistration(topic, typeof(T), options, (sp, broker) => MessageSubscriber.Create(handler, options,
            sp.GetRequiredService<Codec.CodecRegistry>(), sp.GetServices<ISubscriberMiddleware>(), sp,
            Telemetry.TelemetryServiceCollectionExtensions.BrokerTelemetry(sp), Telemetry.BrokerTelemetry.SystemOf(broker))));
        return this;
    }

    /// <summary>Handles messages of <paramref name="topic"/> with a synchronous handler.</summary>
    public MicroServiceBuilder Subscribe<
        [DynamicallyAccessedMembers(MessageType.Members)] T>(string topic, Action<T, MessageContext> handler, Action<SubscribeOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        return Subscribe<T>(topic, (message, context) => { handler(message, context); return Task.CompletedTask; }, configure);
    }

    private MicroServiceBuilder Add(HandlerDescriptor handler)
    {
        EndpointPath.For(Name, handler.Endpoint); // validates the name now, not at start-up
        _handlers.Add(handler);
        return this;
    }

    /// <summary>
    /// Validates the server settings, sets up Kestrel (h2c) and gRPC and builds the runnable service.
    /// Throws when a setting is invalid or a handler type has no codec, so mistakes surface before the first call.
    /// </summary>
    public MicroApp Build()
    {
        var options = Server ?? ServerOptionsFrom(Configuration);
        var problems = ((IMicroOptions)options).Validate().ToList();
        if (problems.Count > 0) throw new Microsoft.Extensions.Options.OptionsValidationException("Server", typeof(ServerOptions), problems.Select(p => "Micro Server options: " + p));
        var (ip, port) = ParseAddress(options.Address);
        _web.WebHost.ConfigureKestrel(kestrel =>
        {
            // h2c with prior knowledge (gRPC clients and `curl --http2-prior-knowledge` share the port), or mTLS (MICRO_TLS).
            Identity.MtlsListener.Listen(kestrel, ip, port);
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestHeadersTotalSize = options.MaxHeaderSize;
            kestrel.Limits.Http2.MaxRequestHeaderFieldSize = options.MaxHeaderSize;
            // Kestrel's "off" is TimeSpan.MaxValue, not InfiniteTimeSpan.
            kestrel.Limits.Http2.KeepAlivePingDelay = options.KeepAliveInterval == Timeout.InfiniteTimeSpan ? TimeSpan.MaxValue : options.KeepAliveInterval;
            kestrel.Limits.Http2.KeepAlivePingTimeout = options.KeepAliveTimeout == Timeout.InfiniteTimeSpan ? TimeSpan.MaxValue : options.KeepAliveTimeout;
        });
        _web.Services.Configure<HostOptions>(h => h.ShutdownTimeout = options.GracePeriod + TimeSpan.FromSeconds(5));
        _web.Services.AddGrpc(grpc =>
        {
            grpc.MaxReceiveMessageSize = options.MaxMessageSize;
            grpc.MaxSendMessageSize = options.MaxMessageSize;
            grpc.EnableDetailedErrors = false;
            // A compressed message that does not decompress is the caller's fault, answered as such (not "thrown by handler").
            grpc.CompressionProviders = [new CheckedGzipCompressionProvider()];
        });

        var handlers = new HandlerTable(Name, _handlers);
        var middleware = _middleware.ToArray();
        _web.Services.AddSingleton(options);
        _web.Services.AddSingleton(Microsoft.Extensions.Options.Options.Create(options));
        _web.Services.AddSingleton(handlers);
        _web.Services.AddSingleton<ServerState>();
        _web.Services.AddSingleton(sp => new HandlerEnvironment(Name, sp.GetRequiredService<Codec.CodecRegistry>(),
            // Telemetry outermost (a refused call is still traced and counted), then auth: no handler code runs for a
            // caller the rules refuse.
            [.. Telemetry.TelemetryServiceCollectionExtensions.ServerMiddleware(sp),
             .. Auth.AuthServiceCollectionExtensions.Enabled(sp) ? [sp.GetRequiredService<Auth.AuthServerMiddleware>(), .. middleware] : middleware],
            sp.GetRequiredService<ServerState>(), sp, sp.GetRequiredService<ILoggerFactory>().CreateLogger("Micro.Server")));
        _web.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IServiceMethodProvider<MicroGrpcService>, MicroMethodProvider>());
        // grpc-dotnet asks the request's services for the service instance on every call and, when there is none,
        // builds one (ActivatorUtilities: reflection under NativeAOT); Micro's handlers never use it, so share one.
        _web.Services.TryAddSingleton<MicroGrpcService>();
        var identity = new NodeIdentity(Name, options);
        _web.Services.AddSingleton(identity);
        _web.Services.AddHostedService<RegistrationService>();
        var subscriptions = _subscriptions.ToArray();
        if (subscriptions.Length > 0)
            _web.Services.AddHostedService(sp => new SubscriptionService(sp.GetRequiredService<IBroker>(), identity, subscriptions, sp));

        Health.HealthEndpoints.AddTo(_web); // health: grpc.health.v1, /health/live, /health/ready
        Reflection.ReflectionEndpoints.AddTo(_web); // grpc.reflection.v1 / v1alpha, schemas in the registry

        var app = _web.Build();
        ThrowIfUnencodable(app.Services.GetRequiredService<Codec.CodecRegistry>());
        // Without TLS no connection carries a certificate: the identity check would only cost every request a lookup.
        if (app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Identity.TlsOptions>>().Value.Mode != Identity.TlsMode.Off)
            app.UseMiddleware<Identity.PeerIdentityMiddleware>();
        app.UseMiddleware<Broker.Http.BrokerDeliveryMiddleware>();
        Health.HealthEndpoints.MapTo(app);
        Reflection.ReflectionEndpoints.MapTo(app);
        app.UseMiddleware<RequestRoutingMiddleware>();
        app.MapGrpcService<MicroGrpcService>();
        return new MicroApp(app, identity);
    }

    /// <summary>A handler type that no codec can encode is an error at start, not at its first call.</summary>
    private void ThrowIfUnencodable(Codec.CodecRegistry codecs)
    {
        foreach (var handler in _handlers)
            foreach (var type in (Type[])[handler.RequestType, handler.ResponseType])
                if (!codecs.For(type).CanHandle(type))
                    throw new InvalidOperationException($"endpoint {handler.Endpoint}: {Codec.JsonCodec.MissingTypeInfoMessage(type)}");
        foreach (var subscription in _subscriptions)
            if (!codecs.For(subscription.MessageType).CanHandle(subscription.MessageType))
                throw new InvalidOperationException($"subscription to {subscription.Topic}: {Codec.JsonCodec.MissingTypeInfoMessage(subscription.MessageType)}");
    }

    internal static ServerOptions ServerOptionsFrom(IConfiguration configuration)
    {
        // Reachable by peers by default when discovery reaches beyond this process; loopback only with the
        // in-process registry.
        var inProcess = string.Equals(MicroSettings.GetPlugin(configuration, "registry"), "memory", StringComparison.OrdinalIgnoreCase);
        var options = new ServerOptions { Address = inProcess ? "127.0.0.1:0" : "0.0.0.0:0" };
        ((IMicroOptions)options).Read(new MicroSettings(configuration, "Server"));
        // --address on the command line wins over MICRO_SERVER_ADDRESS and Micro:Server:Address.
        if (configuration["address"] is { Length: > 0 } address) options.Address = address;
        return options;
    }

    internal static (IPAddress Ip, int Port) ParseAddress(string address)
    {
        var colon = address.LastIndexOf(':');
        if (colon < 0 || !int.TryParse(address.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
            throw new ArgumentException($"server address '{address}' must be host:port (port 0 for any free port)");
        var host = address[..colon].Trim('[', ']');
        var ip = host switch
        {
            "" or "*" or "0.0.0.0" => IPAddress.Any,
            "localhost" => IPAddress.Loopback,
            _ when IPAddress.TryParse(host, out var parsed) => parsed,
            _ => Dns.GetHostAddresses(host).FirstOrDefault() ?? throw new ArgumentException($"cannot resolve '{host}'"),
        };
        return (ip, port);
    }
}
