// The "shop" service: publishes --count orders (default 3) to orders.placed, waits until every one is delivered and
// acknowledged, then exits. Each PublishAsync returns once the message is in the durable outbox.
using System.Globalization;
using Micro;
using Micro.Nats;
using Micro.Sqlite;
using Microsoft.Extensions.Logging;
using Orders;

var count = args.Length > 1 && args[0] == "--count" ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3;
var builder = MicroService.CreateBuilder(args, "shop");
builder.Services.AddMicroJson(OrdersJson.Default);
builder.Services.AddNatsPlugins();
builder.Services.AddSqlitePlugins(); // the durable outbox: a publish that returned survives a crash
builder.Logging.SetMinimumLevel(LogLevel.Warning);
await using var shop = builder.Build();
await shop.StartAsync();
for (var i = 1; i <= count; i++)
{
    var order = new OrderPlaced($"o-{i}", "coffee", i);
    await shop.Client.PublishAsync(OrderPlaced.Topic, order);
    Console.WriteLine($"shop: published order {order.Id}");
}
var broker = shop.Client is Micro.Client.MicroClient client ? client.Publisher!.Broker : throw new InvalidOperationException();
using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(60));
while (broker.Counters.Pending > 0 && !patience.IsCancellationRequested) await Task.Delay(50);
Console.WriteLine(broker.Counters.Pending == 0
    ? $"shop: all {count} orders delivered ({broker.Name} broker)"
    : $"shop: {broker.Counters.Pending} deliveries still pending (is a subscriber running?)");
await shop.StopAsync();
return broker.Counters.Pending == 0 ? 0 : 1;
