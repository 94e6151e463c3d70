// The "billing" service: handles every orders.placed event once per service (its replicas share them).
// No configuration: it advertises its subscription through mDNS, and publishers deliver to its own listener.
// MICRO_BROKER=nats MICRO_BROKER_ADDRESS=nats://127.0.0.1:4222 moves it to NATS JetStream unchanged.
using Micro;
using Micro.Nats;
using Micro.Sqlite;
using Orders;

var builder = MicroService.CreateBuilder(args, "billing");
builder.Services.AddMicroJson(OrdersJson.Default);
builder.Services.AddNatsPlugins();
builder.Services.AddSqlitePlugins(); // the durable outbox: a publish that returned survives a crash
builder.Subscribe<OrderPlaced>(OrderPlaced.Topic, (order, message) =>
{
    // Returning acknowledges; throwing retries with backoff, then dead-letters to orders.placed.dlq.
    Console.WriteLine($"billing: invoice for order {order.Id} ({order.Quantity} x {order.Item}) from {message.Headers["source"]}, attempt {message.Attempt}");
});
await builder.Build().RunAsync();
