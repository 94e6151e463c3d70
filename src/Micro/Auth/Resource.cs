namespace Micro.Auth;

/// <summary>
/// What a rule protects: an RPC endpoint (<c>service</c>, service name, <c>Greeter.Hello</c>) or a
/// subscriber delivery (<c>subscriber</c>, topic, subscribing service). Rules match each field
/// exactly or by <c>*</c>; endpoints also by <c>Prefix.*</c> / <c>/path/*</c>.
/// </summary>
public sealed record Resource(string Type, string Name, string Endpoint)
{
    /// <summary>The resource type of RPC endpoints.</summary>
    public const string ServiceType = "service";

    /// <summary>The resource type of broker subscriber deliveries.</summary>
    public const string SubscriberType = "subscriber";

    /// <summary>An RPC endpoint of a service, e.g. ("greeter", "Greeter.Hello").</summary>
    public static Resource Service(string service, string endpoint) => new(ServiceType, service, endpoint);

    /// <summary>A delivery of <paramref name="topic"/> to the subscriber of <paramref name="service"/>.</summary>
    public static Resource Subscriber(string topic, string service) => new(SubscriberType, topic, service);

    /// <summary><c>type:name:endpoint</c>, for logs and error messages.</summary>
    public override string ToString() => $"{Type}:{Name}:{Endpoint}";
}
