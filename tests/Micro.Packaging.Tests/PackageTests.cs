using System.IO.Compression;
using Grpc.Net.Client;

namespace Micro.Packaging.Tests;

/// <summary>What a user gets from NuGet: the packages, a service built from them, and the dotnet new template.</summary>
public sealed class PackageTests(LocalFeed feed) : IClassFixture<LocalFeed>, IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("micro-pkg-").FullName;

    [Fact]
    public void Every_src_project_is_a_package_with_metadata_readme_and_symbols()
    {
        var sources = Directory.GetDirectories(Path.Combine(Dotnet.RepoRoot, "src")).Select(Path.GetFileName).ToList();
        Assert.NotEmpty(sources);
        foreach (var id in sources)
        {
            var package = Path.Combine(feed.Folder, $"{id}.{feed.Version}.nupkg");
            Assert.True(File.Exists(package), $"{package} missing");
            Assert.True(File.Exists(Path.ChangeExtension(package, ".snupkg")), $"symbols of {id} missing");
            using var zip = ZipFile.OpenRead(package);
            Assert.Contains(zip.Entries, e => e.FullName == "README.md");
            using var nuspec = new StreamReader(zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open());
            var text = nuspec.ReadToEnd();
            foreach (var element in new[] { "<description>", "<license type=\"expression\">MIT</license>", "<repository ", "<readme>README.md</readme>", $"<version>{feed.Version}</version>" })
                Assert.Contains(element, text);
            // The core stays light: SQLite (34 MB of native builds) comes only with Micro.Sqlite (file store, broker outbox).
            if (id == "Micro") Assert.DoesNotContain("Microsoft.Data.Sqlite", text);
            if (id == "Micro.Sqlite") Assert.Contains("Microsoft.Data.Sqlite", text);
        }
    }

    [Fact]
    public async Task A_greeter_built_from_the_packages_answers_grpc_and_json()
    {
        // The greeter example's sources, with package references instead of project references.
        var dir = Path.Combine(_work, "PackagedGreeter");
        Directory.CreateDirectory(Path.Combine(dir, "Protos"));
        var example = Path.Combine(Dotnet.RepoRoot, "examples", "Greeter");
        foreach (var file in new[] { "Program.cs", "GreeterEndpoints.cs", "Protos/greeter.proto" })
            File.Copy(Path.Combine(example, file), Path.Combine(dir, file));
        File.WriteAllText(Path.Combine(dir, "PackagedGreeter.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework><Nullable>enable</Nullable><ImplicitUsings>enable</ImplicitUsings><RootNamespace>Greeter</RootNamespace></PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Micro" Version="{feed.Version}" />
                <PackageReference Include="Micro.Etcd" Version="{feed.Version}" />
                <PackageReference Include="Micro.Sqlite" Version="{feed.Version}" />
                <PackageReference Include="Grpc.Tools" Version="2.85.0" PrivateAssets="All" />
                <Protobuf Include="Protos/greeter.proto" GrpcServices="None" />
              </ItemGroup>
            </Project>
            """);
        // Outside the repository: no Directory.Build.props or central package versions leak in.
        File.WriteAllText(Path.Combine(dir, "Directory.Build.props"), "<Project />");
        File.WriteAllText(Path.Combine(dir, "Directory.Packages.props"), "<Project />");
        feed.WriteNugetConfig(dir);
        await Dotnet.RunOkAsync("dotnet", "build -c Release", dir, TimeSpan.FromMinutes(5));
        var assets = File.ReadAllText(Path.Combine(dir, "obj", "project.assets.json"));
        Assert.Contains($"Micro/{feed.Version}", assets); // the package, not a project reference

        var port = Dotnet.FreePort();
        var greeter = Dotnet.Start("dotnet", $"bin/Release/net10.0/PackagedGreeter.dll --address 127.0.0.1:{port}", dir);
        try
        {
            await Dotnet.WaitForPortAsync(port, greeter, TimeSpan.FromSeconds(30));
            await AssertGreeterAnswersAsync(port);
        }
        finally { Dotnet.Kill(greeter); }
    }

    [Fact]
    public async Task A_project_from_the_template_with_a_handler_and_a_subscriber_builds_passes_its_tests_and_serves()
    {
        var hive = Path.Combine(_work, "hive"); // a private template registry: the user's own is left alone
        await Dotnet.RunOkAsync("dotnet", $"new install \"{Path.Combine(Dotnet.RepoRoot, "templates", "micro-service")}\" --debug:custom-hive \"{hive}\"", _work, TimeSpan.FromMinutes(2));
        await Dotnet.RunOkAsync("dotnet", $"new micro-service -n Orders --MicroVersion {feed.Version} --debug:custom-hive \"{hive}\"", _work, TimeSpan.FromMinutes(2));
        var dir = Path.Combine(_work, "Orders");
        Assert.True(File.Exists(Path.Combine(dir, "README.md")));
        File.WriteAllText(Path.Combine(dir, "Directory.Build.props"), "<Project />");
        File.WriteAllText(Path.Combine(dir, "Directory.Packages.props"), "<Project />");
        feed.WriteNugetConfig(dir);

        var test = await Dotnet.RunOkAsync("dotnet", "test", dir, TimeSpan.FromMinutes(5));
        // Both of the template's tests: the handler answers, and the event it publishes reaches the subscriber.
        Assert.Matches(@"Passed!\s+-\s+Failed:\s+0,\s+Passed:\s+2,", test);

        var port = Dotnet.FreePort();
        var service = Dotnet.Start("dotnet", $"Orders/bin/Debug/net10.0/Orders.dll --address 127.0.0.1:{port}", dir);
        try
        {
            await Dotnet.WaitForPortAsync(port, service, TimeSpan.FromSeconds(30));
            Assert.Equal("""{"message":"Hello Ada"}""", await Dotnet.PostJsonAsync(port, "/orders.Greeter/Hello", """{"name":"Ada"}"""));
        }
        finally { Dotnet.Kill(service); }
    }

    internal static async Task AssertGreeterAnswersAsync(int port)
    {
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{port}");
        var client = new Greeter.Greeter.GreeterClient(channel);
        var reply = await client.HelloAsync(new Greeter.HelloRequest { Name = "Ada" }, deadline: DateTime.UtcNow.AddSeconds(10));
        Assert.Equal("Hello Ada", reply.Message);
        Assert.Equal("""{"message":"Hello Ada"}""", await Dotnet.PostJsonAsync(port, "/greeter.Greeter/Hello", """{"name":"Ada"}"""));
    }

    public void Dispose() => Directory.Delete(_work, recursive: true);
}
