using Micro.Registry;
using Micro.Server;

namespace Micro.Hosting.Internal;

/// <summary>Who this process is in the registry: a unique node id, and its address once listening.</summary>
internal sealed class NodeIdentity(string service, ServerOptions options)
{
    public string Service { get; } = service;
    public string Id { get; } = service + "-" + Guid.NewGuid().ToString("N")[..12];
    public ServerOptions Options { get; } = options;
    public NodeInfo? Node { get; set; }
}
