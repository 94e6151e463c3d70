namespace Micro.Server.Internal;

/// <summary>What every call of one endpoint on one server shares; a <see cref="CallContext"/> points here instead of copying it.</summary>
internal sealed class EndpointSite(HandlerEnvironment environment, string endpoint)
{
    public HandlerEnvironment Environment { get; } = environment;
    public string Service => Environment.Service;
    public string Endpoint { get; } = endpoint;
    public CancellationToken Draining { get; } = environment.State.DrainingToken;
    /// <summary>The root services; each call that asks gets a scope of them.</summary>
    public IServiceProvider Services => Environment.Services;
}
