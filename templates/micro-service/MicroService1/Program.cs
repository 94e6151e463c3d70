using MicroService1;
using Micro;

var builder = MicroService.CreateBuilder(args, "microservice1");
builder.AddMicroService1();
await builder.Build().RunAsync();
