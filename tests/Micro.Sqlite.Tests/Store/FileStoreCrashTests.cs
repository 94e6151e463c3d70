using System.Diagnostics;
using System.Text;
using Micro.Conformance;
using Micro.Sqlite.Store;
using Micro.Store;

namespace Micro.Sqlite.Tests.Store;

public sealed class FileStoreCrashTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("micro-crash-").FullName;

    [Fact]
    public async Task Every_acknowledged_write_survives_sigkill_of_the_writer()
    {
        var writer = ChildProcess.Start("tests", "Micro.Tests.StoreWriter", $"\"{_folder}\" crash");
        var lastAck = -1;
        try
        {
            // Read acknowledgements until the writer is well into its run, then kill it mid-write.
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            while (lastAck < 2000)
            {
                var line = await writer.StandardOutput.ReadLineAsync(timeout.Token) ?? throw new Xunit.Sdk.XunitException("writer exited early");
                if (line.StartsWith("ack ", StringComparison.Ordinal)) lastAck = int.Parse(line[4..], System.Globalization.CultureInfo.InvariantCulture);
            }
            writer.Kill(); // SIGKILL: no chance to flush or close anything
            await writer.WaitForExitAsync();
        }
        finally
        {
            if (!writer.HasExited) writer.Kill();
            writer.Dispose();
        }

        await using var store = new FileStore(new StoreOptions { Address = _folder, Database = "crash" });
        for (var i = 0; i <= lastAck; i++)
        {
            var record = Assert.Single(await store.ReadAsync($"key-{i}"));
            Assert.Equal($"value-{i}", Encoding.UTF8.GetString(record.Value.Span));
        }
        Assert.True((await store.ListAsync()).Count >= lastAck + 1);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
