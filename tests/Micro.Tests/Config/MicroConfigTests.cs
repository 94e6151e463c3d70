using Micro.Config;
using Microsoft.Extensions.Configuration;

namespace Micro.Tests.Config;

public sealed class MicroConfigTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("micro-config-").FullName;

    [Fact]
    public void Later_sources_override_earlier_ones_per_key_and_fallbacks_fill_gaps()
    {
        var file = Path.Combine(_folder, "base.json");
        File.WriteAllText(file, """{ "database": { "host": "file-host", "port": 5432, "pool": 10 }, "name": "base" }""");
        var root = new ConfigurationBuilder()
            .AddMicroJsonFile(file)
            .AddInMemoryCollection(new Dictionary<string, string?> { ["database:host"] = "memory-host" })
            .AddEnvironmentVariables("MICROTEST_CFG_")
            .AddCommandLine(["--database:pool=42"])
            .Build();
        var config = new MicroConfig(root);

        Assert.Equal("memory-host", config.Get("database", "host").String("")); // memory overrides the file
        Assert.Equal(5432, config.Get("database", "port").As(0));              // only the file has it
        Assert.Equal(42, config.Get("database", "pool").As(0));                // command line added last wins
        Assert.Equal("base", config.Get("name").String("x"));
        Assert.Equal(TimeSpan.FromSeconds(3), config.Get("database", "timeout").Duration(TimeSpan.FromSeconds(3)));
        Assert.Equal(1.5, config.Get("database", "ratio").As(1.5));
    }

    [Fact]
    public async Task An_invalid_edit_keeps_the_last_good_values_reports_the_error_and_a_fix_loads()
    {
        var file = Path.Combine(_folder, "live.json");
        File.WriteAllText(file, """{ "greeting": { "text": "Hello" }, "limit": 1 }""");
        var root = new ConfigurationBuilder().AddMicroJsonFile(file).Build();
        var config = new MicroConfig(root);
        var failed = new TaskCompletionSource<ConfigLoadError>(TaskCreationOptions.RunContinuationsAsynchronously);
        config.LoadFailed += e => failed.TrySetResult(e);
        var changed = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var watch = config.Watch("greeting.text", v => changed.TrySetResult(v.Raw));

        File.WriteAllText(file, """{ "greeting": { "text": "Hola" """); // broken: the editor saved half a file
        var error = await failed.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Contains("live.json", error.Source);
        Assert.Equal("Hello", config.Get("greeting", "text").String(""));
        Assert.Equal(1, config.Get("limit").As(0));
        Assert.Single(config.Errors);
        Assert.False(changed.Task.IsCompleted);

        File.WriteAllText(file, """{ "greeting": { "text": "Hola" }, "limit": 2 }""");
        Assert.Equal("Hola", await changed.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(2, config.Get("limit").As(0));
    }

    [Fact]
    public void A_missing_required_file_or_invalid_json_at_start_is_a_clear_error()
    {
        var missing = Assert.Throws<FileNotFoundException>(() => new ConfigurationBuilder().AddMicroJsonFile(Path.Combine(_folder, "nope.json")).Build());
        Assert.Contains("nope.json", missing.Message);
        var bad = Path.Combine(_folder, "bad.json");
        File.WriteAllText(bad, "{ nope");
        var invalid = Assert.Throws<InvalidDataException>(() => new ConfigurationBuilder().AddMicroJsonFile(bad).Build());
        Assert.Contains("bad.json", invalid.Message);
        Assert.Empty(new ConfigurationBuilder().AddMicroJsonFile(Path.Combine(_folder, "optional.json"), optional: true).Build().AsEnumerable());
    }

    [Fact]
    public async Task An_editor_that_renames_the_old_file_away_before_writing_never_empties_the_configuration()
    {
        var file = Path.Combine(_folder, "editor.json");
        File.WriteAllText(file, """{ "greeting": { "text": "Hello" } }""");
        var root = new ConfigurationBuilder().AddMicroJsonFile(file).Build();
        var config = new MicroConfig(root);
        var seen = new System.Collections.Concurrent.ConcurrentQueue<string?>();
        var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var watch = config.Watch("greeting.text", v => { seen.Enqueue(v.Raw); if (v.Raw == "Hola") arrived.TrySetResult(); });
        var missing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        config.LoadFailed += _ => missing.TrySetResult();

        // vim's way: the old file becomes the backup, then the new one is written under the old name.
        File.Move(file, file + "~");
        await missing.Task.WaitAsync(TimeSpan.FromSeconds(10)); // the moment without a file was seen...
        Assert.Equal("Hello", config.Get("greeting", "text").String("")); // ...and kept the last values
        Assert.Contains("missing", Assert.Single(config.Errors).Message);
        File.WriteAllText(file, """{ "greeting": { "text": "Hola" } }""");
        await arrived.Task.WaitAsync(TimeSpan.FromSeconds(10));

        // Write-new-and-rename (most editors, atomic saves): never an empty or missing value either.
        var temp = Path.Combine(_folder, ".editor.json.tmp");
        File.WriteAllText(temp, """{ "greeting": { "text": "Salut" } }""");
        File.Move(temp, file, overwrite: true);
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (config.Get("greeting", "text").Raw != "Salut" && DateTime.UtcNow < until) await Task.Delay(20);
        Assert.Equal("Salut", config.Get("greeting", "text").Raw);
        Assert.DoesNotContain(seen, v => string.IsNullOrEmpty(v));
        Assert.Empty(config.Errors);
    }

    [Fact]
    public async Task An_optional_file_in_a_folder_that_does_not_exist_yet_is_fine_and_picked_up_later()
    {
        var file = Path.Combine(_folder, "not", "yet", "late.json");
        var root = new ConfigurationBuilder().AddMicroJsonFile(file, optional: true).Build();
        var config = new MicroConfig(root);
        Assert.Null(config.Get("late").Raw);
        Assert.Empty(config.Errors);
        var arrived = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var watch = config.Watch("late", v => arrived.TrySetResult(v.Raw));

        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.WriteAllText(file, """{ "late": "here" }""");
        Assert.Equal("here", await arrived.Task.WaitAsync(TimeSpan.FromSeconds(15)));
        ((IDisposable)root).Dispose();
    }

    [Fact]
    public void Segments_are_literal_so_keys_with_dots_are_reachable()
    {
        var file = Path.Combine(_folder, "dots.json");
        File.WriteAllText(file, """{ "Logging": { "LogLevel": { "Default": "Information", "Microsoft.AspNetCore": "Warning" } } }""");
        var config = new MicroConfig(new ConfigurationBuilder().AddMicroJsonFile(file).Build());
        Assert.Equal("Warning", config.Get("Logging", "LogLevel", "Microsoft.AspNetCore").Raw);
        Assert.Equal("Warning", config.Get("Logging:LogLevel:Microsoft.AspNetCore").Raw);   // ':' path: dots are literal
        Assert.Equal("Information", config.Get("Logging.LogLevel.Default").Raw);          // no ':': dots separate
        Assert.Equal("Information", config.Get("Logging", "LogLevel", "Default").Raw);
        Assert.Null(config.Get("Logging", "LogLevel", "Microsoft", "AspNetCore").Raw);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
