namespace Micro.Packaging.Tests;

/// <summary>The greeter published with NativeAOT: no trim or AOT warning from Micro, and the binary serves.</summary>
public sealed class NativeAotTests : IDisposable
{
    private readonly string _output = Directory.CreateTempSubdirectory("micro-aot-").FullName;

    [Fact]
    public async Task The_greeter_publishes_with_PublishAot_without_warnings_and_answers_grpc_and_json()
    {
        var project = Path.Combine(Dotnet.RepoRoot, "examples", "Greeter");
        var output = await Dotnet.RunOkAsync("dotnet", $"publish \"{project}\" -c Release -r linux-x64 -p:PublishAot=true -o \"{_output}\"",
            Dotnet.RepoRoot, TimeSpan.FromMinutes(10));
        var warnings = output.Split('\n').Where(l => l.Contains(": warning ", StringComparison.Ordinal)).Distinct().ToList();
        Assert.True(warnings.Count == 0, "publish warnings:\n" + string.Join('\n', warnings));

        var binary = Path.Combine(_output, "Greeter");
        Assert.True(File.Exists(binary));
        var port = Dotnet.FreePort();
        var greeter = Dotnet.Start(binary, $"--address 127.0.0.1:{port}", _output);
        try
        {
            await Dotnet.WaitForPortAsync(port, greeter, TimeSpan.FromSeconds(30));
            await PackageTests.AssertGreeterAnswersAsync(port);
        }
        finally { Dotnet.Kill(greeter); }
    }

    public void Dispose() => Directory.Delete(_output, recursive: true);
}
