using System.CommandLine;
using Micro.Cli.Calls;
using Micro.Cli.Hosting;
using Micro.Cli.Output;

namespace Micro.Cli.Commands;

/// <summary><c>micro call &lt;service&gt; &lt;endpoint&gt; '&lt;json&gt;'</c>: one request, its reply printed as JSON.</summary>
public static class CallCommand
{
    /// <summary>The command.</summary>
    public static Command Create()
    {
        var service = new Argument<string>("service") { Description = "service name, e.g. greeter" };
        var endpoint = new Argument<string>("endpoint") { Description = "endpoint, e.g. Greeter.Hello" };
        var body = new Argument<string>("json")
        {
            Description = "the request as JSON; '-' reads it from stdin; default {}",
            Arity = ArgumentArity.ZeroOrOne,
            DefaultValueFactory = _ => "{}",
        };
        var options = new CallOptionsParser();
        var command = new Command("call", "Call an endpoint with a JSON request and print the JSON reply (works for protobuf handlers too)") { service, endpoint, body };
        options.AddTo(command);
        CliAction.Set(command, async (parse, cli, ct) =>
        {
            var text = parse.GetValue(body)!;
            if (text == "-") text = await cli.In.ReadToEndAsync(ct).ConfigureAwait(false);
            var request = JsonInput.Parse(text);
            var callOptions = options.Read(parse);
            var reply = await new JsonCaller(cli.Services.Client).CallAsync(parse.GetValue(service)!, parse.GetValue(endpoint)!, request, callOptions, ct).ConfigureAwait(false);
            cli.Out.WriteLine(JsonInput.Pretty(reply, indented: !cli.Json));
            return ExitCodes.Ok;
        });
        return command;
    }
}
