namespace Micro.Server;

/// <summary>
/// Where an endpoint lives on the wire. Endpoint <c>Greeter.Hello</c> of service <c>greeter</c> is the gRPC
/// method <c>/greeter.Greeter/Hello</c>: the service name is the protobuf package, so a client generated
/// from <c>package greeter; service Greeter { rpc Hello ... }</c> calls it unchanged.
/// </summary>
internal readonly record struct EndpointPath(string GrpcService, string Method)
{
    /// <summary>The HTTP/2 path, e.g. <c>/greeter.Greeter/Hello</c>.</summary>
    public string Path => "/" + GrpcService + "/" + Method;

    /// <summary>The path of <paramref name="endpoint"/> (<c>Service.Method</c>) of <paramref name="service"/>; throws when the endpoint has no dot.</summary>
    public static EndpointPath For(string service, string endpoint)
    {
        var dot = endpoint.LastIndexOf('.');
        if (dot <= 0 || dot == endpoint.Length - 1)
            throw new ArgumentException($"endpoint '{endpoint}' must look like 'Service.Method'", nameof(endpoint));
        return new EndpointPath(service + "." + endpoint[..dot], endpoint[(dot + 1)..]);
    }
}
