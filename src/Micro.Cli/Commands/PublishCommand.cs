using System.CommandLine;
using Micro.Broker.Http;
using Micro.Cli.Calls;
using Micro.Cli.Hosting;
using Micro.Cli.Messaging;
using Micro.Cli.Output;

namespace Micro.Cli.Commands;

/// <summary><c>micro publish &lt;topic&gt; '&lt;json&gt;'</c>: one message, through the broker the services use; prints its id.</summary>
public static class PublishCommand
{
    /// <summary>The command.</summary>
    public static Command Create()
    {
        var topic = new Argument<string>("topic") { Description = "topic, e.g. user.created" };
        var body = new Argument<string>("json")
        {
            Description = "the message as JSON; '-' reads it from stdin; default {}",
            Arity = ArgumentArity.ZeroOrOne,
            DefaultValueFactory = _ => "{}",
        };
        var metadata = new Option<string[]>("--metadata", "-m") { Description = "a header every subscriber sees, key=value (repeatable)", HelpName = "key=value" };
        var id = new Option<string?>("--id") { Description = "the message id (CloudEvents id); default a new one. Reuse it to make a retried publish recognisable" };
        var timeout = new Option<string?>("--timeout", "-t")
        {
            Description = "how long to wait for the broker to accept it and, with the HTTP broker, for every subscribing group to acknowledge it (default 10s)",
        };
        var command = new Command("publish", "Publish a JSON message to a topic (broker: MICRO_BROKER, http by default) and print its id once delivered or accepted")
        {
            topic, body, metadata, id, timeout,
        };
        CliAction.Set(command, async (parse, cli, ct) =>
        {
            var name = parse.GetValue(topic)!;
            TopicInput.Check(name);
            var headers = CallOptionsParser.ParseMetadata(parse.GetValue(metadata));
            var wait = CallOptionsParser.ParseDuration("--timeout", parse.GetValue(timeout)) ?? TimeSpan.FromSeconds(10);
            var text = parse.GetValue(body)!;
            if (text == "-") text = await cli.In.ReadToEndAsync(ct).ConfigureAwait(false);
            var message = JsonInput.Parse(text, "message");
            var publisher = JsonPublisher.For(cli.Services);
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
            deadline.CancelAfter(wait);
            string messageId;
            try
            {
                // A fresh process knows no subscriber yet, and a lookup may stop at the first node that answers (mDNS
                // does): listing the registry first hears every node, so no subscribing group is left out.
                if (publisher.Broker is HttpBroker) await cli.Services.Registry.ListServicesAsync(deadline.Token).ConfigureAwait(false);
                messageId = await publisher.PublishAsync(name, message, headers, parse.GetValue(id), deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested && !ct.IsCancellationRequested)
            {
                throw new CliException(ExitCodes.Unavailable, "cli.publish.unavailable", $"the {publisher.Broker.Name} broker did not accept the message within {wait.TotalSeconds:0.###}s");
            }
            // The HTTP broker delivers from this process: leaving before the subscribers acknowledged would drop the message.
            var pending = await publisher.WaitForDeliveryAsync(wait, ct).ConfigureAwait(false);
            if (pending > 0)
                throw new CliException(ExitCodes.Unavailable, "cli.publish.undelivered",
                    $"message {messageId} to {name} was not delivered within {wait.TotalSeconds:0.###}s: no subscriber acknowledged it (is anything subscribed to {name}?)");
            if (cli.Json) cli.WriteJson(new PublishResult(messageId, name, publisher.Broker.Name), CliJsonContext.Default.PublishResult);
            else cli.Out.WriteLine(messageId);
            return ExitCodes.Ok;
        });
        return command;
    }
}
