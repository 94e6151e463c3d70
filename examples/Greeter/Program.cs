// The "greeter" service: Greeter.Hello (unary) and Greeter.Chat (bidirectional stream).
//   dotnet run --project examples/Greeter -- --address 127.0.0.1:8080
using Greeter;
using Micro;
using Micro.Sqlite;

var builder = MicroService.CreateBuilder(args, GreeterEndpoints.Service);
builder.Services.AddSqlitePlugins(); // makes MICRO_STORE=file selectable
builder.AddGreeter();
await builder.Build().RunAsync();
