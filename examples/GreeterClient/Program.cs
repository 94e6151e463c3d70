// Calls the "greeter" service and prints its reply.
//   dotnet run --project examples/GreeterClient -- --name Ada                          (finds greeter in the registry)
//   dotnet run --project examples/GreeterClient -- --name Ada --address 127.0.0.1:8080 (calls that node directly)
using Greeter;
using Micro;
using Micro.Client;
using Micro.Errors;
using Micro.Sqlite;
using Microsoft.Extensions.Configuration;

var settings = new ConfigurationBuilder().AddCommandLine(args).Build();
await using var client = MicroService.CreateClient(args, services => services.AddSqlitePlugins()); // MICRO_STORE=file selectable
try
{
    var reply = await client.CallAsync<HelloRequest, HelloReply>(GreeterEndpoints.Service, "Greeter.Hello",
        new HelloRequest { Name = settings["name"] ?? "World" },
        new CallOptions { Address = settings["address"] });
    Console.WriteLine(reply.Message);
    return 0;
}
catch (MicroException e)
{
    Console.Error.WriteLine($"greeter call failed: {e.Id} ({e.Code}): {e.Detail}");
    return 1;
}
