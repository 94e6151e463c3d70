namespace Micro.Broker;

/// <summary>Per-publish choices.</summary>
public sealed record PublishOptions
{
    /// <summary>No options: the type's natural codec, no extra headers.</summary>
    public static readonly PublishOptions Default = new();

    /// <summary>Extra headers (lower-cased), carried to every subscriber.</summary>
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }

    /// <summary>Codec for the body (application/json, application/protobuf); default: protobuf for protobuf messages, JSON otherwise.</summary>
    public string? ContentType { get; init; }

    /// <summary>The message id (CloudEvents id); default a new time-ordered Guid. Reuse one to make a retried publish recognisable.</summary>
    public string? Id { get; init; }
}
