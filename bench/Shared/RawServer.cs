using Grpc.Core;
using Grpc.Net.Client;
using Micro.Bench.Rpc;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

/// <summary>
/// The raw grpc-dotnet side of the RPC benchmarks (rpc, tracing): the protoc-generated echo server on Kestrel h2c on a
/// free loopback port, and a channel to it as a grpc-dotnet user makes one. Linked into each benchmark.
/// </summary>
internal static class RawServer
{
    public static async Task<(WebApplication App, string Address)> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        var app = builder.Build();
        app.MapGrpcService<RawBench>();
        await app.StartAsync();
        return (app, app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    }

    /// <summary>More than ~100 streams in flight on one connection queue: let the handler open more, as Micro's channels do.</summary>
    public static GrpcChannel Channel(string address) =>
        GrpcChannel.ForAddress(address, new GrpcChannelOptions { HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true } });
}

internal sealed class RawBench : Bench.BenchBase
{
    public override Task<Payload> Echo(Payload request, ServerCallContext context) => Task.FromResult(request);
}
