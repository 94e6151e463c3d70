using System.Text.RegularExpressions;

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

    [Fact]
    public void No_library_source_suppresses_a_trim_or_aot_warning()
    {
        // A suppression hides the warning from every app that uses Micro; the fix is an annotation the analyzer checks.
        var src = Path.Combine(Dotnet.RepoRoot, "src");
        Assert.True(Directory.Exists(src), src);
        var suppression = new Regex(@"UnconditionalSuppressMessage|SuppressMessage\(""(Trimming|AOT|AotAnalysis)""|<NoWarn>.*\bIL[23]\d{3}");
        var offenders = Directory.EnumerateFiles(src, "*.*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith(".csproj", StringComparison.Ordinal) || f.EndsWith(".props", StringComparison.Ordinal))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .SelectMany(f => File.ReadLines(f).Select((text, i) => (File: f, Line: i + 1, Text: text)))
            .Where(l => suppression.IsMatch(l.Text))
            .Select(l => $"{Path.GetRelativePath(Dotnet.RepoRoot, l.File)}:{l.Line}: {l.Text.Trim()}")
            .ToList();
        Assert.True(offenders.Count == 0, "trim/AOT warnings suppressed:\n" + string.Join('\n', offenders));
    }

    public void Dispose() => Directory.Delete(_output, recursive: true);
}
