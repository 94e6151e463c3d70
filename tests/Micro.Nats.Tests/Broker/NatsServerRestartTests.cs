using System.Diagnostics;
using Micro.Broker;
using Micro.Conformance.Broker;
using Micro.Nats.Broker;
using Micro.Tests.Shared;

namespace Micro.Nats.Tests.Broker;

/// <summary>
/// JetStream keeps what it acknowledged through a crash of the server itself. The test kills its own private
/// nats-server (never the shared one), on a free port with a data folder of its own.
/// </summary>
public sealed class NatsServerRestartTests : IAsyncLifetime
{
    private readonly string _data = Directory.CreateTempSubdirectory("micro-nats-").FullName;
    private readonly int _port = TcpPorts.Free();
    private Process? _server;

    private async Task StartServerAsync()
    {
        var info = new ProcessStartInfo("nats-server", $"-a 127.0.0.1 -p {_port} -js -sd {_data}") { RedirectStandardError = true, RedirectStandardOutput = true };
        _server = Process.Start(info)!;
        _server.BeginErrorReadLine();
        _server.BeginOutputReadLine();
        await TcpPorts.WaitForListenerAsync(_port, _server, TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task MessagesAcknowledgedBeforeTheServerIsKilled_AreDeliveredAfterItRestarts()
    {
        await StartServerAsync();
        var options = new BrokerOptions { Address = $"127.0.0.1:{_port}" };
        var topic = "restart.events";
        var ids = new List<string>();
        await using (var setup = new NatsJetStreamBroker(options))
        {
            // The group's durable consumer exists before the messages: it is what keeps them for the group.
            await using (await setup.SubscribeAsync(topic, new MessageCollector().Handler, new SubscribeOptions { Group = "billing" })) { }
            for (var i = 0; i < 200; i++)
            {
                var message = new BrokerMessage(topic, new byte[] { (byte)i }, new Dictionary<string, string> { [BrokerHeaders.Id] = Guid.NewGuid().ToString() });
                await setup.PublishAsync(message);
                ids.Add(message.Id!);
            }
        }
        _server!.Kill();
        await _server.WaitForExitAsync();
        await StartServerAsync();

        await using var subscriber = new NatsJetStreamBroker(options);
        var received = new MessageCollector();
        await using (await subscriber.SubscribeAsync(topic, received.Handler, new SubscribeOptions { Group = "billing" }))
        {
            await received.WaitForCountAsync(200, TimeSpan.FromSeconds(60));
            Assert.Equal(ids.Order(), received.Ids.Distinct().Order());
        }
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_server is { HasExited: false })
        {
            _server.Kill();
            await _server.WaitForExitAsync();
        }
        _server?.Dispose();
        Directory.Delete(_data, recursive: true);
    }
}
