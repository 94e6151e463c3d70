using System.CommandLine;
using System.Net;
using Micro.Cli.Hosting;
using Micro.Cli.Messaging;
using Micro.Cli.Output;

namespace Micro.Cli.Commands;

/// <summary>
/// <c>micro subscribe &lt;topic&gt;</c>: a tail, one JSON line per message (headers and body), until Ctrl+C, <c>--count</c>
/// messages or <c>--timeout</c>. A group of its own by default, so it never takes a message away from a service.
/// </summary>
public static class SubscribeCommand
{
    /// <summary>The command.</summary>
    public static Command Create()
    {
        var topic = new Argument<string>("topic") { Description = "topic, e.g. user.created" };
        var group = new Option<string?>("--group", "-g")
        {
            Description = "take messages as a member of this group, competing with its other members (default: a group of its own that sees every message and takes none away)",
        };
        var count = new Option<int?>("--count") { Description = "exit after this many messages (exit code 6 if --timeout passes first)" };
        var timeout = new Option<string?>("--timeout", "-t") { Description = "stop after this long: 250ms, 5s, 1m or 00:00:05" };
        var listen = new Option<string>("--listen")
        {
            Description = "HTTP broker: where publishers deliver to this tail, ip:port (port 0: any free port; 0.0.0.0 to take deliveries from other hosts)",
            DefaultValueFactory = _ => "127.0.0.1:0",
        };
        var command = new Command("subscribe", "Tail a topic: print every message as one JSON line (topic, id, headers, body) until Ctrl+C")
        {
            topic, group, count, timeout, listen,
        };
        CliAction.Set(command, async (parse, cli, ct) =>
        {
            var name = parse.GetValue(topic)!;
            TopicInput.Check(name);
            var limit = parse.GetValue(count);
            if (limit is <= 0) throw CliException.Usage("cli.usage", "--count must be positive");
            var duration = CallOptionsParser.ParseDuration("--timeout", parse.GetValue(timeout));
            var listenText = parse.GetValue(listen)!;
            if (!IPEndPoint.TryParse(listenText, out var endpoint))
                throw CliException.Usage("cli.address.malformed", $"--listen '{listenText}' must be an IP address and port, e.g. 127.0.0.1:0");

            var seen = 0;
            var enough = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using var gate = new SemaphoreSlim(1, 1);
            async ValueTask<bool> ShowAsync(MessageView message, CancellationToken cancellationToken)
            {
                await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    // Past the count the message is declined, not acknowledged: in a group another member gets it.
                    if (limit is { } l && seen >= l) return false;
                    cli.WriteJson(message, CliJsonContext.Default.MessageView);
                    if (limit is { } most && ++seen >= most) enough.TrySetResult();
                    return true;
                }
                finally
                {
                    gate.Release();
                }
            }

            var broker = cli.Services.Broker;
            await using var listener = await DeliveryListener.ForAsync(broker, endpoint, cli.Services.RegistryInterfaces, cli.Services.Logging, ct).ConfigureAwait(false);
            var tail = await TopicTail.StartAsync(broker, name, parse.GetValue(group), ShowAsync, ct).ConfigureAwait(false);
            try
            {
                cli.Error.WriteLine($"subscribed to {name} on the {broker.Name} broker, group {tail.Group}{(listener is null ? "" : ", deliveries to " + listener.Address)} (Ctrl+C to stop)");
                cli.Error.Flush();
                try
                {
                    await enough.Task.WaitAsync(duration ?? Timeout.InfiniteTimeSpan, ct).ConfigureAwait(false);
                }
                catch (TimeoutException) when (limit is { } l)
                {
                    throw new CliException(ExitCodes.Timeout, "cli.subscribe.timeout", $"{seen} of {l} messages on {name} within {duration!.Value.TotalSeconds:0.###}s");
                }
                catch (TimeoutException)
                {
                    // --timeout without --count: the tail ran as long as asked.
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    // Ctrl+C is how a tail ends.
                }
            }
            finally
            {
                await tail.DisposeAsync().ConfigureAwait(false);
            }
            return ExitCodes.Ok;
        });
        return command;
    }
}
