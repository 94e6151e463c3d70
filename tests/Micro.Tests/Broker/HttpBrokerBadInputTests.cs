using System.Buffers;
using System.Buffers.Binary;
using System.Net;
using Micro.Broker;
using Micro.Broker.Http;
using Micro.Conformance.Broker;
using Micro.Errors;
using Micro.Registry;
using Micro.Selector;
using Micro.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Micro.Tests.Broker;

/// <summary>What the HTTP broker does with a hostile network, a stuck subscriber, and a publisher that outruns its subscribers.</summary>
public sealed class HttpBrokerBadInputTests : IAsyncDisposable
{
    private readonly MemoryRegistry _registry = new();
    private readonly List<IAsyncDisposable> _owned = [];
    private readonly string _topic = "bad" + Guid.NewGuid().ToString("N")[..8] + ".input";

    private async Task<HttpBrokerNode> NodeAsync(BrokerOptions? options = null, Func<Microsoft.AspNetCore.Http.HttpContext, Task>? serve = null)
    {
        var node = await HttpBrokerNode.StartAsync(_registry, options, serve);
        _owned.Add(node);
        return node;
    }

    [Fact]
    public async Task SubscriberThatNeverAnswers_TimesOut_AndTheBatchGoesToAnotherNode()
    {
        var stuckCalls = 0;
        var stuck = await NodeAsync(serve: async http =>
        {
            Interlocked.Increment(ref stuckCalls);
            await Task.Delay(Timeout.Infinite, http.RequestAborted);
        });
        await stuck.Broker.SubscribeAsync(_topic, new MessageCollector().Handler, new SubscribeOptions { Group = "workers" });
        var healthy = await NodeAsync();
        var received = new MessageCollector();
        await healthy.Broker.SubscribeAsync(_topic, received.Handler, new SubscribeOptions { Group = "workers" });
        await using var publisher = new HttpBroker(_registry, new BrokerOptions { Outbox = "memory", DeliveryTimeout = TimeSpan.FromMilliseconds(500) },
            new PreferSelector(stuck.Broker.Address!));
        for (var i = 0; i < 5; i++) await publisher.PublishAsync(new BrokerMessage(_topic, new byte[] { (byte)i }));
        await received.WaitForCountAsync(5, TimeSpan.FromSeconds(20));
        Assert.True(stuckCalls >= 1, "the stuck node was never tried");
        Assert.True(publisher.Counters.Redelivered >= 1);
        await WaitUntilAsync(() => publisher.Counters.Pending == 0);
    }

    [Fact]
    public async Task FullOutbox_RefusesThePublishWith429()
    {
        // A subscriber that is registered but unreachable: nothing can leave the outbox.
        await _registry.RegisterAsync(new ServiceInfo
        {
            Name = "micro.broker." + _topic,
            Nodes = [new NodeInfo { Id = "gone", Address = "127.0.0.1:9", Metadata = new Dictionary<string, string> { ["group"] = "g" } }],
        });
        await using var publisher = new HttpBroker(_registry, new BrokerOptions { Outbox = "memory", MaxPending = 10 });
        for (var i = 0; i < 10; i++) await publisher.PublishAsync(new BrokerMessage(_topic, new byte[1]));
        var error = await Assert.ThrowsAsync<MicroException>(async () => await publisher.PublishAsync(new BrokerMessage(_topic, new byte[1])));
        Assert.Equal(429, error.Code);
        Assert.Equal(BrokerErrors.OutboxFull, error.Id);
        Assert.Contains("MaxPending", error.Detail);
        Assert.Equal(10, publisher.Counters.Pending);
    }

    [Fact]
    public async Task FileOutbox_KeepsWhatWasAccepted_ForTheNextRun()
    {
        var folder = Directory.CreateTempSubdirectory("micro-outbox-").FullName;
        try
        {
            await _registry.RegisterAsync(new ServiceInfo
            {
                Name = "micro.broker." + _topic,
                Nodes = [new NodeInfo { Id = "later", Address = "127.0.0.1:9", Metadata = new Dictionary<string, string> { ["group"] = "g" } }],
            });
            // The file outbox comes with Micro.Sqlite (AddSqlitePlugins), chosen by Micro:Broker:Outbox.
            await using (var first = FileOutboxContainer(folder, sqlite: true))
            {
                var broker = first.GetRequiredService<IBroker>();
                Assert.True(Assert.IsType<HttpBroker>(broker).Guarantees.Durable);
                for (var i = 0; i < 25; i++) await broker.PublishAsync(new BrokerMessage(_topic, new byte[] { (byte)i }));
            }
            await using var second = FileOutboxContainer(folder, sqlite: true);
            var restarted = second.GetRequiredService<IBroker>();
            await restarted.ConnectAsync();
            Assert.Equal(25, restarted.Counters.Pending);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task FileOutbox_KeepsAttemptCounts_ForTheNextRun()
    {
        var folder = Directory.CreateTempSubdirectory("micro-outbox-").FullName;
        try
        {
            var node = await NodeAsync();
            var attempts = new System.Collections.Concurrent.ConcurrentQueue<int>();
            var ack = 0;
            await node.Broker.SubscribeAsync(_topic, (delivery, _) =>
            {
                attempts.Enqueue(delivery.Attempt);
                return ValueTask.FromResult(Volatile.Read(ref ack) == 1 ? DeliveryOutcome.Ack : DeliveryOutcome.Retry(TimeSpan.FromMilliseconds(20)));
            }, new SubscribeOptions { Group = "g" });
            await using (var first = FileOutboxContainer(folder, sqlite: true))
            {
                await first.GetRequiredService<IBroker>().PublishAsync(new BrokerMessage(_topic, new byte[] { 1 }));
                await WaitUntilAsync(() => attempts.Count >= 3);
            }
            var before = attempts.ToArray();
            Volatile.Write(ref ack, 1);
            await using var second = FileOutboxContainer(folder, sqlite: true);
            var restarted = second.GetRequiredService<IBroker>();
            await restarted.ConnectAsync();
            await WaitUntilAsync(() => restarted.Counters.Delivered == 1);
            // The restarted publisher goes on counting where the first stopped, instead of starting again at 1.
            var after = attempts.Skip(before.Length).First();
            Assert.True(after >= before.Max() && after > 1, $"attempts before the restart {string.Join(",", before)}, first after it {after}");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task FileOutbox_WrittenBeforeAttemptsWereKept_IsUpgradedAndDelivered()
    {
        var folder = Directory.CreateTempSubdirectory("micro-outbox-").FullName;
        try
        {
            // An outbox file as the previous version wrote it: no attempt column.
            var encoded = WireFormat.EncodeMessage(new BrokerMessage(_topic, new byte[] { 7 }, new Dictionary<string, string> { [BrokerHeaders.Id] = "old-1" }));
            using (var old = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(folder, "outbox-0.db")};Pooling=False"))
            {
                old.Open();
                using var command = old.CreateCommand();
                command.CommandText = "CREATE TABLE outbox (seq INTEGER PRIMARY KEY, grp TEXT NOT NULL, msg BLOB NOT NULL, created INTEGER NOT NULL);" +
                    "INSERT INTO outbox (seq, grp, msg, created) VALUES (41, 'g', @msg, 0);";
                command.Parameters.AddWithValue("@msg", encoded);
                command.ExecuteNonQuery();
            }
            var node = await NodeAsync();
            var handled = new MessageCollector();
            await node.Broker.SubscribeAsync(_topic, handled.Handler, new SubscribeOptions { Group = "g" });
            await using var services = FileOutboxContainer(folder, sqlite: true);
            var broker = services.GetRequiredService<IBroker>();
            await broker.ConnectAsync();
            await handled.WaitForCountAsync(1, TimeSpan.FromSeconds(20));
            var delivery = handled.Received.Single();
            Assert.Equal(("old-1", 1), (delivery.Message.Id, delivery.Attempt));
            await broker.PublishAsync(new BrokerMessage(_topic, new byte[] { 8 })); // the upgraded file takes new rows
            await handled.WaitForCountAsync(2, TimeSpan.FromSeconds(20));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task FileOutbox_WithoutMicroSqlite_IsAClearError()
    {
        await using var services = FileOutboxContainer(Path.Combine(Path.GetTempPath(), "micro-never-" + Guid.NewGuid().ToString("N")), sqlite: false);
        var error = Assert.Throws<InvalidOperationException>(() => services.GetRequiredService<IBroker>());
        Assert.Contains("MICRO_BROKER_OUTBOX", error.Message, StringComparison.Ordinal);
        Assert.Contains("AddSqlitePlugins()", error.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => new HttpBroker(_registry, new BrokerOptions { Outbox = "file" }));
    }

    /// <summary>A container with the HTTP broker and a file outbox in <paramref name="folder"/>; Micro.Sqlite's plug-ins only when <paramref name="sqlite"/>.</summary>
    private ServiceProvider FileOutboxContainer(string folder, bool sqlite)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IRegistry>(_registry);
        if (sqlite) services.AddSqlitePlugins();
        services.AddMicroBroker();
        services.UseHttpBroker(o => { o.Outbox = "file"; o.OutboxPath = folder; });
        return services.BuildServiceProvider();
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("lying-count")]
    [InlineData("too-many-headers")]
    [InlineData("body-past-end")]
    [InlineData("illegal-topic")]
    public async Task DeliveryEndpoint_RefusesMalformedFrames_With400(string kind)
    {
        var node = await NodeAsync();
        var handled = new MessageCollector();
        await node.Broker.SubscribeAsync(_topic, handled.Handler, new SubscribeOptions { Group = "g" });
        var body = kind switch
        {
            "garbage" => "not a frame at all"u8.ToArray(),
            "lying-count" => Frame(w => WireFormat.WriteUInt32(w, 1_000_000)),
            "too-many-headers" => Frame(w => { WireFormat.WriteUInt32(w, 1); WireFormat.WriteInt64(w, 1); WireFormat.WriteString16(w, "g"); WireFormat.WriteUInt32(w, 1); WireFormat.WriteString16(w, _topic); WireFormat.WriteUInt16(w, ushort.MaxValue); }),
            "body-past-end" => Frame(w => { WireFormat.WriteUInt32(w, 1); WireFormat.WriteInt64(w, 1); WireFormat.WriteString16(w, "g"); WireFormat.WriteUInt32(w, 1); WireFormat.WriteString16(w, _topic); WireFormat.WriteUInt16(w, 0); WireFormat.WriteUInt32(w, int.MaxValue); }),
            _ => Frame(w => { WireFormat.WriteUInt32(w, 1); WireFormat.WriteInt64(w, 1); WireFormat.WriteString16(w, "g"); WireFormat.WriteUInt32(w, 1); WireFormat.WriteString16(w, "bad topic"); WireFormat.WriteUInt16(w, 0); WireFormat.WriteUInt32(w, 0); }),
        };
        using var response = await PostAsync(node, body, DeliveryBatch.ContentType);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(0, handled.Count);
    }

    [Fact]
    public async Task DeliveryEndpoint_RefusesOversizedBodies_AndOtherContentTypes()
    {
        var node = await NodeAsync(new BrokerOptions { Outbox = "memory", MaxMessageSize = 64 * 1024, BatchSize = 16 });
        var oversized = new byte[node.Broker.MaxRequestBytes + 1];
        "MB1"u8.CopyTo(oversized);
        using (var response = await PostAsync(node, oversized, DeliveryBatch.ContentType))
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        using (var response = await PostAsync(node, "{}"u8.ToArray(), "application/json"))
            Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    [Fact]
    public void EveryTruncationOfAFrame_IsAMalformedError_NeverAnotherException()
    {
        var writer = new ArrayBufferWriter<byte>();
        var message = new BrokerMessage("a.b", new byte[] { 1, 2, 3 }, new Dictionary<string, string> { ["id"] = "x", ["k"] = "v" });
        DeliveryBatch.WriteRequest(writer, [new DeliveryItem(7, "g", 2, message), new DeliveryItem(8, "g", 1, message)]);
        var frame = writer.WrittenMemory;
        var items = DeliveryBatch.ReadRequest(frame, 100, 1024);
        Assert.Equal([7L, 8L], items.Select(i => i.Seq));
        Assert.Equal("v", items[0].Message.Headers["k"]);
        Assert.Equal(2, items[0].Attempt);
        for (var cut = 0; cut < frame.Length; cut++)
        {
            var error = Assert.Throws<MicroException>(() => DeliveryBatch.ReadRequest(frame[..cut], 100, 1024));
            Assert.Equal(ErrorCodes.MalformedPayload, error.Id);
        }
        Assert.Throws<MicroException>(() => DeliveryBatch.ReadRequest(frame, 1, 1024));  // more items than allowed
        Assert.Throws<MicroException>(() => DeliveryBatch.ReadRequest(frame, 100, 2));   // body over the limit
    }

    private static byte[] Frame(Action<ArrayBufferWriter<byte>> write)
    {
        var writer = new ArrayBufferWriter<byte>();
        writer.Write("MB1"u8);
        write(writer);
        // Padding so the frame passes the minimum-length check and the lie is in the fields.
        writer.Write(new byte[32]);
        return writer.WrittenSpan.ToArray();
    }

    private static async Task<HttpResponseMessage> PostAsync(HttpBrokerNode node, byte[] body, string contentType)
    {
        using var http = new HttpClient();
        var request = new HttpRequestMessage(HttpMethod.Post, $"http://{node.Broker.Address}{HttpBroker.DeliveryPath}")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(body),
        };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        return await http.SendAsync(request);
    }

    private static async Task WaitUntilAsync(Func<bool> done)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!done()) await Task.Delay(20, timeout.Token);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var owned in _owned) await owned.DisposeAsync();
    }

    /// <summary>Picks the node at <paramref name="address"/> whenever it is a candidate, so the test knows the stuck node is tried first.</summary>
    private sealed class PreferSelector(string address) : ISelector
    {
        public string Name => "prefer";
        public NodeInfo Select(string service, IReadOnlyList<NodeInfo> nodes) => nodes.FirstOrDefault(n => n.Address == address) ?? nodes[0];
    }
}
