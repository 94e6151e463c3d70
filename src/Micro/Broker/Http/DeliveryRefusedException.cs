using Micro.Errors;

namespace Micro.Broker.Http;

/// <summary>A subscriber refused a delivery request (401/403): the publisher's token or the rules, not the node, are at fault.</summary>
internal sealed class DeliveryRefusedException(MicroException error) : Exception(error.Message, error)
{
    public MicroException Error { get; } = error;
}
