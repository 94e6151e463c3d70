using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Micro.Cli.Tests.Infrastructure;

namespace Micro.Cli.Tests.Dashboard;

/// <summary>
/// With MICRO_AUTH=jwt the dashboard requires signing in with an account, and its calls obey the rules for that account
/// (a greeter enforcing auth, the tool and the greeter on one file store; host namespace, memory registry, call by address).
/// </summary>
public sealed class DashboardAuthTests : IAsyncLifetime
{
    private readonly string _store = Directory.CreateTempSubdirectory("micro-cli-dashauth-").FullName;
    private ChildProcess? _greeter;
    private ChildProcess? _dashboard;

    private Dictionary<string, string?> Env => new() { ["MICRO_STORE"] = "file", ["MICRO_STORE_ADDRESS"] = _store, ["MICRO_AUTH"] = "jwt" };

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_dashboard is not null) await _dashboard.DisposeAsync();
        if (_greeter is not null) await _greeter.DisposeAsync();
        Directory.Delete(_store, recursive: true);
    }

    [Fact]
    public async Task Dashboard_RequiresSignIn_AndCallsAsTheAccount()
    {
        var ada = await CreateAccountAsync("ada", "people");
        var bo = await CreateAccountAsync("bo", "visitors");
        Assert.Equal(0, (await HostCli.RunAsync(Env, null, null, "auth", "rules", "grant", "people-greeter", "-r", "service:greeter:*", "--scope", "people")).ExitCode);

        var port = FreePort();
        _greeter = ChildProcess.Start("dotnet", [Paths.Greeter, "--address", $"127.0.0.1:{port}"], new Dictionary<string, string?>(Env) { ["MICRO_REGISTRY"] = "memory" });
        _dashboard = HostCli.Start(Env, null, "dashboard", "--address", "127.0.0.1:0");
        await WaitForListenerAsync(port);
        var url = new Uri((await _dashboard.WaitForLineAsync(l => l.StartsWith("dashboard: ", StringComparison.Ordinal), TimeSpan.FromSeconds(30))).Split(' ')[1]);

        using var http = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = url };
        var session = await http.GetFromJsonAsync<JsonElement>("/api/session");
        Assert.True(session.GetProperty("auth").GetBoolean());
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/api/services")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.PostAsJsonAsync("/api/call", new { service = "greeter", endpoint = "Greeter.Hello", request = new { } })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.PostAsJsonAsync("/api/publish", new { topic = "a.b", message = new { } })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/api/tail?topic=a.b")).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await http.PostAsJsonAsync("/api/login", new { id = "ada", secret = "wrong" })).StatusCode);
        using (var foreign = new HttpRequestMessage(HttpMethod.Post, "/api/login") { Content = JsonContent.Create(new { id = "ada", secret = ada }) })
        {
            foreign.Headers.Add("Origin", "http://evil.example");
            Assert.Equal(HttpStatusCode.Forbidden, (await http.SendAsync(foreign)).StatusCode);
        }

        var signedIn = await http.PostAsJsonAsync("/api/login", new { id = "ada", secret = ada });
        Assert.Equal(HttpStatusCode.OK, signedIn.StatusCode);
        Assert.Contains("HttpOnly", string.Join(";", signedIn.Headers.GetValues("Set-Cookie")), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/api/services")).StatusCode);
        using (var foreign = new HttpRequestMessage(HttpMethod.Post, "/api/publish") { Content = JsonContent.Create(new { topic = "a.b", message = new { } }) })
        {
            foreign.Headers.Add("Origin", "http://evil.example");
            Assert.Equal(HttpStatusCode.Forbidden, (await http.SendAsync(foreign)).StatusCode); // a cross-site page cannot publish
        }

        var call = await CallAsync(http, port);
        Assert.True(call.GetProperty("ok").GetBoolean(), call.ToString());
        Assert.Equal("Hello Ada", call.GetProperty("response").GetProperty("message").GetString());

        Assert.Equal(HttpStatusCode.OK, (await http.PostAsJsonAsync("/api/logout", new { })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/api/services")).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await http.PostAsJsonAsync("/api/login", new { id = "bo", secret = bo })).StatusCode);
        var refused = await CallAsync(http, port);
        Assert.False(refused.GetProperty("ok").GetBoolean());
        Assert.Equal("micro.forbidden", refused.GetProperty("error").GetProperty("id").GetString());
    }

    private async Task<JsonElement> CallAsync(HttpClient http, int port)
    {
        var response = await http.PostAsJsonAsync("/api/call", new
        {
            service = "greeter", endpoint = "Greeter.Hello", request = new { name = "Ada" }, address = $"127.0.0.1:{port}",
            metadata = new Dictionary<string, string> { ["authorization"] = "Bearer forged" },
        });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private async Task<string> CreateAccountAsync(string id, string scope)
    {
        var created = await HostCli.RunAsync(Env, null, null, "auth", "accounts", "create", id, "--scope", scope, "-o", "json");
        Assert.True(created.ExitCode == 0, created.ToString());
        return JsonDocument.Parse(created.Stdout).RootElement.GetProperty("secret").GetString()!;
    }

    private static async Task WaitForListenerAsync(int port)
    {
        for (var i = 0; i < 300; i++)
        {
            using var client = new System.Net.Sockets.TcpClient();
            try { await client.ConnectAsync(IPAddress.Loopback, port); return; }
            catch (System.Net.Sockets.SocketException) { await Task.Delay(100); }
        }
        throw new TimeoutException($"the greeter never listened on {port}");
    }

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
