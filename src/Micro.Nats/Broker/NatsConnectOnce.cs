using NATS.Client.Core;

namespace Micro.Nats.Broker;

/// <summary>Connects a broker's NATS connection once, on first use, whoever asks first (publish, subscribe or ConnectAsync).</summary>
internal sealed class NatsConnectOnce(NatsConnection connection, bool needJetStream)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile bool _connected;

    public ValueTask EnsureAsync(CancellationToken cancellationToken) =>
        _connected ? ValueTask.CompletedTask : new ValueTask(ConnectAsync(cancellationToken));

    private async Task ConnectAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_connected) return;
            await NatsConnectionFactory.ConnectAsync(connection, needJetStream, cancellationToken).ConfigureAwait(false);
            _connected = true;
        }
        finally
        {
            _gate.Release();
        }
    }
}
