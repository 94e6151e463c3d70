using System.Diagnostics;
using Micro.Auth;
using Micro.Auth.Jwt;
using Micro.Client;
using Micro.Errors;
using Micro.Store;
using Micro.Tests.Protos;
using Micro.Tests.Rpc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Micro.Tests.Auth;

/// <summary>
/// Services on real sockets, each with its own auth over one shared store (as nodes sharing a
/// PostgreSQL or Redis store): service identities, rules granted and revoked at run time by an admin
/// node, token forwarding, streams, and the development mode.
/// </summary>
public class AuthEndToEndTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly TestCluster _cluster = new();
    private readonly MemoryStore _store = new();
    private JwtAuth _admin = null!;
    private MicroClient _client = null!;

    public async Task InitializeAsync()
    {
        _admin = new JwtAuth(_store, new AuthOptions { Plugin = "jwt", RefreshInterval = TimeSpan.FromSeconds(1) });
        await _admin.StartAsync();
        _client = _cluster.CreateClient(new ClientOptions { Retries = 0 });
    }

    private Task<MicroApp> StartB(Action<AuthOptions>? configure = null) => _cluster.StartNodeAsync("b", b =>
    {
        b.Services.AddSingleton<IStore>(_store);
        b.Services.UseJwtAuth(o => { o.RefreshInterval = TimeSpan.FromSeconds(1); configure?.Invoke(o); });
        b.Handle<Echo, EchoReply>("B.Echo", (req, ctx) => new EchoReply(req.Text, ctx.Account?.Id ?? "<anonymous>"));
        b.HandleServerStream<Ping, Pong>("B.Count", async (req, responses, ctx) =>
        {
            for (var i = 0; i < req.Seq; i++) await responses.WriteAsync(new Pong { Seq = i }, ctx.CancellationToken);
        });
    });

    private Task<MicroApp> StartA(Action<AuthOptions>? configure = null) => _cluster.StartNodeAsync("a", b =>
    {
        b.Services.AddSingleton<IStore>(_store);
        b.Services.UseJwtAuth(o => { o.RefreshInterval = TimeSpan.FromSeconds(1); configure?.Invoke(o); });
        // A calls B as itself ...
        b.Handle<Echo, EchoReply>("A.Relay", async (req, ctx) =>
            await ctx.Services.GetRequiredService<IMicroClient>().CallAsync<Echo, EchoReply>("b", "B.Echo", req, cancellationToken: ctx.CancellationToken));
        // ... or on behalf of its caller.
        b.Handle<Echo, EchoReply>("A.Forward", async (req, ctx) =>
            await ctx.Services.GetRequiredService<IMicroClient>().CallAsync<Echo, EchoReply>("b", "B.Echo", req, CallOptions.Default.WithCallerToken(ctx), ctx.CancellationToken));
        b.Handle<Echo, EchoReply>("A.Count", async (req, ctx) =>
        {
            var n = 0;
            await foreach (var _ in ctx.Services.GetRequiredService<IMicroClient>().ServerStreamAsync<Ping, Pong>("b", "B.Count", new Ping { Seq = 3 }, cancellationToken: ctx.CancellationToken)) n++;
            return new EchoReply(n.ToString(System.Globalization.CultureInfo.InvariantCulture), "a");
        });
    });

    private async Task GrantBaseRulesAsync()
    {
        await _admin.GrantAsync(new Rule { Id = "anyone-calls-a", Scope = Rule.PublicScope, Resource = new Resource("service", "a", "A.*") });
        await _admin.GrantAsync(new Rule { Id = "a-calls-b", Scope = "service:a", Resource = new Resource("service", "b", "B.*") });
    }

    [Fact]
    public async Task A_calls_B_with_its_own_service_token_allowed_by_a_rule()
    {
        await GrantBaseRulesAsync();
        await StartB();
        await StartA();

        var reply = await _client.CallAsync<Echo, EchoReply>("a", "A.Relay", new Echo("hi"));
        Assert.Equal(("hi", "a"), (reply.Text, reply.Node)); // B saw service a's account

        var anonymous = await Assert.ThrowsAsync<MicroException>(() => _client.CallAsync<Echo, EchoReply>("b", "B.Echo", new Echo("hi")));
        Assert.Equal((ErrorCodes.Unauthorized, 401), (anonymous.Id, anonymous.Code));

        // Streams are checked the same way, in both directions.
        var stream = await _client.CallAsync<Echo, EchoReply>("a", "A.Count", new Echo("x"));
        Assert.Equal("3", stream.Text);
        var refused = await Assert.ThrowsAsync<MicroException>(async () =>
        {
            await foreach (var _ in _client.ServerStreamAsync<Ping, Pong>("b", "B.Count", new Ping { Seq = 3 })) { }
        });
        Assert.Equal(401, refused.Code);
    }

    [Fact]
    public async Task A_service_with_MICRO_AUTH_ID_and_SECRET_calls_as_that_account()
    {
        var account = await _admin.GenerateAsync("orders-prod", Account.ServiceType, ["service:a"]);
        await GrantBaseRulesAsync();
        await StartB();
        await StartA(o => { o.Id = "orders-prod"; o.Secret = account.Secret; });
        Assert.Equal("orders-prod", (await _client.CallAsync<Echo, EchoReply>("a", "A.Relay", new Echo("hi"))).Node);
    }

    [Fact]
    public async Task A_service_with_a_wrong_secret_starts_but_its_calls_are_refused()
    {
        await _admin.GenerateAsync("orders-prod", Account.ServiceType, ["service:a"]);
        await GrantBaseRulesAsync();
        await StartB();
        await StartA(o => { o.Id = "orders-prod"; o.Secret = "not-the-secret"; });
        var error = await Assert.ThrowsAsync<MicroException>(() => _client.CallAsync<Echo, EchoReply>("a", "A.Relay", new Echo("hi")));
        // A could not sign in, so its call to B failed; a handler's MicroException reaches its caller as it is.
        Assert.Equal((401, "invalid credentials"), (error.Code, error.Detail));
    }

    [Fact]
    public async Task A_rule_revoked_at_run_time_takes_effect_within_the_refresh_interval()
    {
        await GrantBaseRulesAsync();
        await StartB();
        await StartA();
        Assert.Equal("a", (await _client.CallAsync<Echo, EchoReply>("a", "A.Relay", new Echo("hi"))).Node);

        var clock = Stopwatch.StartNew();
        await _admin.RevokeAsync("a-calls-b"); // on another node: B learns it from the store
        MicroException? denied = null;
        while (denied is null && clock.Elapsed < TimeSpan.FromSeconds(15))
        {
            try { await _client.CallAsync<Echo, EchoReply>("a", "A.Relay", new Echo("hi")); await Task.Delay(20); }
            catch (MicroException e) { denied = e; }
        }
        output.WriteLine($"revocation took effect after {clock.ElapsedMilliseconds} ms (refresh interval 1000 ms)");
        Assert.NotNull(denied);
        Assert.Equal((ErrorCodes.Forbidden, 403), (denied.Id, denied.Code));
        Assert.Contains("no rule grants it", denied.Detail, StringComparison.Ordinal); // nothing else grants B to a
    }

    [Fact]
    public async Task A_handler_forwards_its_callers_token_only_when_asked()
    {
        await GrantBaseRulesAsync();
        await _admin.GrantAsync(new Rule { Id = "readers-call-b", Scope = "reader", Resource = new Resource("service", "b", "B.Echo") });
        await StartB();
        await StartA();
        var ada = await _admin.GenerateAsync("ada", Account.UserType, ["reader"]);
        var token = await _admin.TokenAsync(TokenRequest.FromCredentials("ada", ada.Secret!, "a", "b"));
        var asAda = new CallOptions { Metadata = new Dictionary<string, string> { ["authorization"] = BearerToken.Format(token.AccessToken) } };

        Assert.Equal("ada", (await _client.CallAsync<Echo, EchoReply>("a", "A.Forward", new Echo("hi"), asAda)).Node);
        Assert.Equal("a", (await _client.CallAsync<Echo, EchoReply>("a", "A.Relay", new Echo("hi"), asAda)).Node);

        // A token only for "a" cannot be forwarded to "b".
        var onlyA = await _admin.TokenAsync(TokenRequest.FromCredentials("ada", ada.Secret!, "a"));
        var error = await Assert.ThrowsAsync<MicroException>(() => _client.CallAsync<Echo, EchoReply>("a", "A.Forward", new Echo("hi"),
            new CallOptions { Metadata = new Dictionary<string, string> { ["authorization"] = BearerToken.Format(onlyA.AccessToken) } }));
        Assert.Equal(401, error.Code);
    }

    [Fact]
    public async Task A_valid_account_without_a_rule_is_forbidden_and_the_403_names_no_rule()
    {
        await StartB();
        var bob = await _admin.GenerateAsync("bob", Account.UserType);
        var token = await _admin.TokenAsync(TokenRequest.FromCredentials("bob", bob.Secret!, "b"));
        var error = await Assert.ThrowsAsync<MicroException>(() => _client.CallAsync<Echo, EchoReply>("b", "B.Echo", new Echo("hi"),
            new CallOptions { Metadata = new Dictionary<string, string> { ["authorization"] = BearerToken.Format(token.AccessToken) } }));
        Assert.Equal((ErrorCodes.Forbidden, 403), (error.Id, error.Code));
        Assert.Contains("no rule grants it", error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Service_tokens_are_renewed_in_the_background_before_they_expire()
    {
        await GrantBaseRulesAsync();
        static void Short(AuthOptions o)
        {
            o.AccessTokenLifetime = TimeSpan.FromSeconds(3);
            o.RefreshTokenLifetime = TimeSpan.FromSeconds(6);
            o.ClockSkew = TimeSpan.Zero;
        }
        await StartB(Short);
        var a = await StartA(Short);
        var credentials = a.Services.GetRequiredService<ServiceCredentials>();
        var firstIdentity = credentials.IdentityExpiry;
        // 9 s = three access-token lifetimes and more than one refresh-token lifetime; every call must pass.
        var clock = Stopwatch.StartNew();
        var calls = 0;
        while (clock.Elapsed < TimeSpan.FromSeconds(9))
        {
            Assert.Equal("a", (await _client.CallAsync<Echo, EchoReply>("a", "A.Relay", new Echo("hi"))).Node);
            calls++;
            await Task.Delay(250);
        }
        Assert.True(calls > 10);
        Assert.NotEqual(firstIdentity, credentials.IdentityExpiry); // the refresh token itself was renewed
    }

    [Fact]
    public async Task A_publisher_without_the_scope_cannot_deliver_to_a_protected_subscriber()
    {
        var b = await StartB();
        await _admin.GrantAsync(new Rule { Id = "orders-publishers", Scope = "orders.publish", Resource = new Resource(Resource.SubscriberType, "order.created", "*") });
        var check = b.Services.GetRequiredService<AuthSubscriberCheck>();
        var shop = await _admin.GenerateAsync("shop", Account.ServiceType, ["orders.publish"]);
        var other = await _admin.GenerateAsync("other", Account.ServiceType, ["service"]);
        var shopToken = await _admin.TokenAsync(TokenRequest.FromCredentials("shop", shop.Secret!, "b"));
        var otherToken = await _admin.TokenAsync(TokenRequest.FromCredentials("other", other.Secret!, "b"));
        await ((JwtAuth)b.Services.GetRequiredService<IAuth>()).ReloadAsync();

        Assert.Equal("shop", (await check.CheckAsync("order.created", "b", BearerToken.Format(shopToken.AccessToken)))?.Id);
        var forbidden = await Assert.ThrowsAsync<MicroException>(async () => await check.CheckAsync("order.created", "b", BearerToken.Format(otherToken.AccessToken)));
        Assert.Equal(403, forbidden.Code);
        var anonymous = await Assert.ThrowsAsync<MicroException>(async () => await check.CheckAsync("order.created", "b", null));
        Assert.Equal(401, anonymous.Code);
        var wrongTopic = await Assert.ThrowsAsync<MicroException>(async () => await check.CheckAsync("order.deleted", "b", BearerToken.Format(shopToken.AccessToken)));
        Assert.Equal(403, wrongTopic.Code);
    }

    [Fact]
    public async Task Without_MICRO_AUTH_every_call_passes_and_the_service_warns_once_at_start()
    {
        var logs = new LogCapture();
        await _cluster.StartNodeAsync("open", b =>
        {
            b.Logging.AddProvider(logs);
            b.Handle<Echo, EchoReply>("Open.Echo", (req, ctx) => new EchoReply(req.Text, ctx.Account?.Id ?? "<anonymous>"));
        });
        Assert.Equal("<anonymous>", (await _client.CallAsync<Echo, EchoReply>("open", "Open.Echo", new Echo("hi"))).Node);
        var warning = Assert.Single(logs.AuthWarnings());
        Assert.Contains("Auth is off (MICRO_AUTH=unset)", warning, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_MICRO_AUTH_value_fails_the_start_naming_the_setting()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => _cluster.StartNodeAsync("typo", b =>
        {
            b.Services.Configure<AuthOptions>(o => o.Plugin = "jtw");
            b.Handle<Echo, EchoReply>("Typo.Echo", (req, _) => new EchoReply(req.Text, ""));
        }));
        Assert.Contains("MICRO_AUTH=jtw", error.ToString(), StringComparison.Ordinal);
    }

    public async Task DisposeAsync()
    {
        await _client.DisposeAsync();
        await _cluster.DisposeAsync();
        await _admin.DisposeAsync();
    }
}
