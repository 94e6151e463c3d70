// The "inventory" service the micro tool's tests call (name from --name): plain .NET records over JSON.
//   Items.Get  {id, count} -> {id, name, count}
//   Items.Slow {ms}        -> {ms} after waiting that long (for deadlines)
//   Items.Fail {}          -> throws (micro.internal, 500)
//   Items.Publish {topic, text} -> publishes {text} to the topic through the service's client -> {id}
//   Items.Received {}      -> {texts}: what its subscription to inventory.events (group "inventory") received
using System.Collections.Concurrent;
using System.Text.Json.Serialization;
using Micro;
using Micro.Cli.TestService;
using Micro.Client;
using Microsoft.Extensions.DependencyInjection;

// Its outbox lives in memory: tests start it in the repository folder, where a file outbox would stay behind.
if (Environment.GetEnvironmentVariable("MICRO_BROKER_OUTBOX") is null) Environment.SetEnvironmentVariable("MICRO_BROKER_OUTBOX", "memory");
var name = args.SkipWhile(a => a != "--name").Skip(1).FirstOrDefault() ?? "inventory";
var builder = MicroService.CreateBuilder(args, name);
builder.Services.AddMicroJson(InventoryJson.Default);
builder.Handle<GetItem, Item>("Items.Get", (request, context) => new Item(request.Id, "item " + request.Id, request.Count));
builder.Handle<Delay, Delay>("Items.Slow", async (request, context) =>
{
    await Task.Delay(request.Ms, context.CancellationToken);
    return request;
});
builder.Handle<Delay, Delay>("Items.Fail", Fail);
var received = new ConcurrentQueue<string>();
builder.Subscribe<InventoryEvent>("inventory.events", (message, context) => received.Enqueue(message.Text));
builder.Handle<Received, Received>("Items.Received", (request, context) => new Received([.. received]));
builder.Handle<PublishItem, Published>("Items.Publish", async (request, context) =>
{
    var id = Guid.CreateVersion7().ToString();
    await context.Services.GetRequiredService<IMicroClient>().PublishAsync(request.Topic, new InventoryEvent(request.Text), new Micro.Broker.PublishOptions { Id = id }, context.CancellationToken);
    return new Published(id);
});
await builder.Build().RunAsync();

static Delay Fail(Delay request, Micro.Server.CallContext context) => throw new InvalidOperationException("inventory is broken");

namespace Micro.Cli.TestService
{
    /// <summary>Request of Items.Get.</summary>
    public sealed record GetItem(string Id, int Count);

    /// <summary>Reply of Items.Get.</summary>
    public sealed record Item(string Id, string Name, int Count);

    /// <summary>Request and reply of Items.Slow and Items.Fail.</summary>
    public sealed record Delay(int Ms);

    /// <summary>The message of inventory.events (and of Items.Publish).</summary>
    public sealed record InventoryEvent(string Text);

    /// <summary>Request of Items.Publish.</summary>
    public sealed record PublishItem(string Topic, string Text);

    /// <summary>Reply of Items.Publish: the message id.</summary>
    public sealed record Published(string Id);

    /// <summary>Reply of Items.Received (request: {}).</summary>
    public sealed record Received(IReadOnlyList<string>? Texts);

    [JsonSerializable(typeof(GetItem))]
    [JsonSerializable(typeof(InventoryEvent))]
    [JsonSerializable(typeof(PublishItem))]
    [JsonSerializable(typeof(Published))]
    [JsonSerializable(typeof(Received))]
    [JsonSerializable(typeof(Item))]
    [JsonSerializable(typeof(Delay))]
    internal sealed partial class InventoryJson : JsonSerializerContext;
}
