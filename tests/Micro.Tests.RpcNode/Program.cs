// A Micro node for process-level RPC tests:
//   Micro.Tests.RpcNode --address 127.0.0.1:PORT --name NAME [--hang]
// Node.Charge prints "executed NAME SEQ" (flushed) before it answers, so the test counts executions across processes;
// with --hang it then waits (until killed) instead of answering. Node.Echo answers at once and is registered idempotent.
using Micro;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

var name = Arg("--name") ?? "node";
var hang = args.Contains("--hang");
var builder = MicroService.CreateBuilder(args, "rpcnode");
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Services.AddMicroJsonReflection(); // a test node, JIT only
builder.Handle<Charge, ChargeReply>("Node.Charge", async (request, context) =>
{
    Console.Out.WriteLine($"executed {name} {request.Seq}");
    Console.Out.Flush();
    if (hang) await Task.Delay(Timeout.InfiniteTimeSpan, context.CancellationToken);
    return new ChargeReply(name, request.Seq);
});
builder.Handle<Charge, ChargeReply>("Node.Echo", (request, context) => new ChargeReply(name, request.Seq), idempotent: true);
await using var app = builder.Build();
await app.StartAsync();
Console.Out.WriteLine($"listening {app.Address}");
Console.Out.Flush();
await app.WaitForShutdownAsync();

string? Arg(string key)
{
    var i = Array.IndexOf(args, key);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

internal sealed record Charge(int Seq);
internal sealed record ChargeReply(string Node, int Seq);
