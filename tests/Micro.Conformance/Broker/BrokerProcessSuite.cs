using Xunit;
using Xunit.Abstractions;

namespace Micro.Conformance.Broker;

/// <summary>
/// Nothing lost, with real processes: subscribers and publishers are separate processes killed with SIGKILL mid-stream.
/// A subscriber appends each id it handled to a file before acknowledging; a publisher appends each id whose
/// PublishAsync returned. Every acknowledged publish must show up in a subscriber's file; duplicates are counted and
/// reported (at-least-once allows them).
/// </summary>
public abstract class BrokerProcessSuite(ITestOutputHelper output) : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("micro-broker-proc-").FullName;

    /// <summary>This test's topic (unique per run).</summary>
    protected string Topic { get; } = "nl" + Guid.NewGuid().ToString("N")[..10] + ".events";

    protected string Folder => _folder;

    /// <summary>Environment of a worker (broker, registry and their addresses); <paramref name="role"/> is "subscriber" or "publisher".</summary>
    protected abstract Dictionary<string, string> Environment(string role, string outboxFolder);

    private static readonly TimeSpan Start = TimeSpan.FromSeconds(60);

    private BrokerWorker Subscriber(string file) => BrokerWorker.Start(Environment("subscriber", Path.Combine(_folder, "sub-outbox")), "subscribe", Topic, file);

    private BrokerWorker Publisher(string file, int from, int count, string outbox = "pub-outbox") =>
        BrokerWorker.Start(Environment("publisher", Path.Combine(_folder, outbox)), "publish", Topic, file, from.ToString(System.Globalization.CultureInfo.InvariantCulture), count.ToString(System.Globalization.CultureInfo.InvariantCulture));

    private static int LineCount(string file) => File.Exists(file) ? ReadLines(file).Count : 0;

    private static List<string> ReadLines(string file)
    {
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        var lines = new List<string>();
        while (reader.ReadLine() is { } line) if (line.Length > 0) lines.Add(line);
        return lines;
    }

    private static async Task WaitForLinesAsync(string file, int count, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (LineCount(file) < count)
        {
            if (DateTime.UtcNow > until) throw new TimeoutException($"{file} has {LineCount(file)} lines, expected {count} within {timeout}");
            await Task.Delay(100);
        }
    }

    /// <summary>Every expected id among the handled ones; prints the duplicate count.</summary>
    private async Task AssertAllHandledAsync(IReadOnlyCollection<string> expected, IEnumerable<string> files, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        List<string> handled;
        HashSet<string> missing;
        while (true)
        {
            handled = files.Where(File.Exists).SelectMany(ReadLines).ToList();
            var seen = handled.ToHashSet();
            missing = expected.Where(id => !seen.Contains(id)).ToHashSet();
            if (missing.Count == 0 || DateTime.UtcNow > until) break;
            await Task.Delay(250);
        }
        var duplicates = handled.Count - handled.Distinct().Count();
        output.WriteLine($"{expected.Count} acknowledged publishes, {handled.Count} handled, {duplicates} duplicates, {missing.Count} missing");
        Assert.True(missing.Count == 0, $"{missing.Count} acknowledged messages never handled, e.g. {string.Join(", ", missing.Take(5))}");
    }

    [Fact]
    public async Task SubscriberKilledTwice_During100000Messages_NothingLost()
    {
        const int total = 100_000;
        var files = new[] { Path.Combine(_folder, "s1"), Path.Combine(_folder, "s2"), Path.Combine(_folder, "s3") };
        var published = Path.Combine(_folder, "published");
        var s1 = Subscriber(files[0]);
        await using var _1 = s1;
        await s1.WaitForAsync("ready", Start);
        await using var publisher = Publisher(published, 0, total);
        await publisher.WaitForAsync("ready", Start);
        await WaitForLinesAsync(files[0], 20_000, TimeSpan.FromMinutes(3));
        s1.Kill();
        var s2 = Subscriber(files[1]);
        await using var _2 = s2;
        await s2.WaitForAsync("ready", Start);
        await WaitForLinesAsync(files[1], 20_000, TimeSpan.FromMinutes(3));
        s2.Kill();
        await using var s3 = Subscriber(files[2]);
        await s3.WaitForAsync("ready", Start);
        await publisher.WaitForAsync("published", TimeSpan.FromMinutes(5));
        var acknowledged = ReadLines(published);
        Assert.Equal(total, acknowledged.Count);
        await AssertAllHandledAsync(acknowledged, files, TimeSpan.FromMinutes(3));
    }

    [Fact]
    public async Task PublisherKilledMidStream_EveryAcknowledgedPublishIsDelivered()
    {
        const int total = 60_000;
        var handled = Path.Combine(_folder, "handled");
        var published = Path.Combine(_folder, "published");
        await using var subscriber = Subscriber(handled);
        await subscriber.WaitForAsync("ready", Start);
        var p1 = Publisher(published, 0, total);
        await using (p1)
        {
            await p1.WaitForAsync("ready", Start);
            await WaitForLinesAsync(published, 15_000, TimeSpan.FromMinutes(3));
            p1.Kill();
        }
        var acknowledged = ReadLines(published);
        Assert.InRange(acknowledged.Count, 15_000, total - 1);
        // The restarted publisher (same outbox) publishes nothing new: it only finishes what the first one accepted.
        await using var p2 = Publisher(Path.Combine(_folder, "published2"), 0, 0);
        await p2.WaitForAsync("drained", TimeSpan.FromMinutes(3));
        await AssertAllHandledAsync(acknowledged, [handled], TimeSpan.FromMinutes(2));
    }

    public void Dispose()
    {
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
        GC.SuppressFinalize(this);
    }
}
