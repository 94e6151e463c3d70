// The "inventory" service the micro tool's tests call (name from --name): plain .NET records over JSON.
//   Items.Get  {id, count} -> {id, name, count}
//   Items.Slow {ms}        -> {ms} after waiting that long (for deadlines)
//   Items.Fail {}          -> throws (micro.internal, 500)
using System.Text.Json.Serialization;
using Micro;
using Micro.Cli.TestService;

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

    [JsonSerializable(typeof(GetItem))]
    [JsonSerializable(typeof(Item))]
    [JsonSerializable(typeof(Delay))]
    internal sealed partial class InventoryJson : JsonSerializerContext;
}
