// A service whose answer follows its configuration live: edit liveconfig.json (or the etcd key
// /config/liveconfig/greeting/text when started with --etcd HOST:PORT) and the next call says so.
//   dotnet run --project examples/LiveConfig -- --address 127.0.0.1:8090 [--etcd 127.0.0.1:2379] [--file PATH]
//   curl --http2-prior-knowledge -H 'Content-Type: application/json' -d '{"name":"Ada"}' http://127.0.0.1:8090/liveconfig.Greeter/Hello
using Micro;
using Micro.Config;
using System.Text.Json.Serialization;
using Micro.Etcd.Config;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

var builder = MicroService.CreateBuilder(args, "liveconfig");
// Sources in order, later ones win per key: the JSON file, then etcd (then the builder's env and command line stay on top).
var file = builder.Configuration["file"] ?? Path.Combine(Directory.GetCurrentDirectory(), "examples", "LiveConfig", "liveconfig.json");
builder.Configuration.AddMicroJsonFile(file, optional: true);
if (builder.Configuration["etcd"] is { } etcd) builder.Configuration.AddEtcd(etcd, "/config/liveconfig/");

builder.Services.AddMicroJson(LiveConfigJson.Default); // plain records as JSON, NativeAOT-safe
builder.Handle<Hello, Reply>("Greeter.Hello", (request, context) =>
{
    var config = context.Services.GetRequiredService<IMicroConfig>();
    return new Reply($"{config.Get("greeting", "text").String("Hello")} {request.Name}");
});

await using var app = builder.Build();
var config = app.Services.GetRequiredService<IMicroConfig>();
var log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("LiveConfig");
using var watch = config.Watch("greeting.text", value => log.LogInformation("greeting.text is now '{Text}'", value.Raw));
config.LoadFailed += error => log.LogWarning("config source {Source} failed to load, keeping the last good values: {Message}", error.Source, error.Message);
await app.RunAsync();

internal sealed record Hello(string Name);
internal sealed record Reply(string Message);

[JsonSerializable(typeof(Hello))]
[JsonSerializable(typeof(Reply))]
internal sealed partial class LiveConfigJson : JsonSerializerContext;
