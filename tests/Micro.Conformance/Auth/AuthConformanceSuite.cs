using Micro.Auth;
using Micro.Auth.Jwt;
using Micro.Errors;
using Micro.Store;
using Xunit;

namespace Micro.Conformance.Auth;

/// <summary>
/// The store-backed auth on one kind of store: every test runs two or three <see cref="JwtAuth"/>
/// "nodes", each with its own connection to the same store, in a database of its own, as separate
/// services sharing a PostgreSQL or Redis store would.
/// </summary>
public abstract class AuthConformanceSuite : IAsyncLifetime
{
    private readonly List<IStore> _stores = [];
    private readonly List<JwtAuth> _nodes = [];
    private readonly string _database = "auth_" + Guid.NewGuid().ToString("N")[..16];

    /// <summary>A new connection to the shared store (the memory store: the same instance each time).</summary>
    protected abstract Task<IStore> ConnectAsync();

    public Task InitializeAsync() => Task.CompletedTask;

    private AuthOptions Options(TimeSpan? refresh = null) => new()
    {
        Plugin = "jwt",
        Database = _database,
        RefreshInterval = refresh ?? TimeSpan.FromSeconds(30),
    };

    private async Task<JwtAuth> NodeAsync(TimeSpan? refresh = null, bool start = true)
    {
        var store = await ConnectAsync();
        if (!_stores.Contains(store)) _stores.Add(store);
        var node = new JwtAuth(store, Options(refresh));
        _nodes.Add(node);
        if (start) await node.StartAsync();
        return node;
    }

    [Fact]
    public async Task Generated_account_gets_tokens_and_inspect_returns_it()
    {
        var auth = await NodeAsync();
        var account = await auth.GenerateAsync("ada", Account.UserType, ["orders.read", "orders.write"]);
        Assert.NotNull(account.Secret);
        var token = await auth.TokenAsync(TokenRequest.FromCredentials("ada", account.Secret!, "orders"));
        var inspected = await auth.InspectAsync(token.AccessToken, "orders");
        Assert.Equal(("ada", Account.UserType), (inspected.Id, inspected.Type));
        Assert.Equal(["orders.read", "orders.write"], inspected.Scopes);
        Assert.True(token.Expiry < token.RefreshExpiry);
    }

    [Fact]
    public async Task A_token_issued_on_one_node_validates_on_another_even_with_a_key_it_has_not_loaded_yet()
    {
        var other = await NodeAsync();           // loads the key set before the issuer adds its own key
        var issuer = await NodeAsync();
        await issuer.RotateKeyAsync();           // a key `other` has never seen
        var account = await issuer.GenerateAsync("svc", Account.ServiceType);
        var token = await issuer.TokenAsync(TokenRequest.FromCredentials("svc", account.Secret!, "b"));
        Assert.Equal("svc", (await other.InspectAsync(token.AccessToken, "b")).Id);
    }

    [Fact]
    public async Task Rules_granted_on_one_node_apply_on_another_and_revocation_propagates_within_the_refresh_interval()
    {
        var refresh = TimeSpan.FromMilliseconds(300);
        var admin = await NodeAsync(refresh);
        var service = await NodeAsync(refresh);
        var account = new Account { Id = "a", Scopes = ["service:a"] };
        var resource = Resource.Service("b", "B.Echo");
        Assert.False(service.Verify(account, resource).Granted);

        await admin.GrantAsync(new Rule { Id = "a-calls-b", Scope = "service:a", Resource = new Resource("service", "b", "B.*") });
        await WaitUntilAsync(() => service.Verify(account, resource).Granted, "grant to reach the other node");
        Assert.Equal("a-calls-b", service.Verify(account, resource).DecidingRule?.Id);
        Assert.Single(await service.ListRulesAsync());

        await admin.RevokeAsync("a-calls-b");
        await WaitUntilAsync(() => !service.Verify(account, resource).Granted, "revocation to reach the other node");
        Assert.Empty(await service.ListRulesAsync());
    }

    [Fact]
    public async Task Rotation_signs_with_the_new_key_while_the_old_one_still_validates()
    {
        var auth = await NodeAsync();
        var account = await auth.GenerateAsync("ada", Account.UserType);
        var before = await auth.TokenAsync(TokenRequest.FromCredentials("ada", account.Secret!, "b"));
        var oldKid = auth.KeyIds[0];
        var newKid = await auth.RotateKeyAsync();
        Assert.Equal(newKid, auth.KeyIds[0]);
        Assert.Contains(oldKid, auth.KeyIds);
        var after = await auth.TokenAsync(TokenRequest.FromCredentials("ada", account.Secret!, "b"));
        Assert.Equal(oldKid, new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(before.AccessToken).Kid);
        Assert.Equal(newKid, new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(after.AccessToken).Kid);
        Assert.Equal("ada", (await auth.InspectAsync(before.AccessToken, "b")).Id);
        Assert.Equal("ada", (await auth.InspectAsync(after.AccessToken, "b")).Id);
    }

    [Fact]
    public async Task A_removed_key_takes_its_tokens_with_it_on_every_node_cached_or_not()
    {
        var refresh = TimeSpan.FromMilliseconds(300);
        var issuer = await NodeAsync(refresh);
        var other = await NodeAsync(refresh);
        var account = await issuer.GenerateAsync("ada", Account.UserType);
        var token = await issuer.TokenAsync(TokenRequest.FromCredentials("ada", account.Secret!, "b"));
        var kid = new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(token.AccessToken).Kid;
        Assert.Equal("ada", (await other.InspectAsync(token.AccessToken, "b")).Id); // now cached on `other`

        await issuer.RotateKeyAsync();
        await issuer.RemoveKeyAsync(kid);
        await Assert.ThrowsAsync<MicroException>(async () => await issuer.InspectAsync(token.AccessToken, "b"));
        await WaitUntilAsync(() => !other.KeyIds.Contains(kid), "key removal to reach the other node");
        var error = await Assert.ThrowsAsync<MicroException>(async () => await other.InspectAsync(token.AccessToken, "b"));
        Assert.Equal(401, error.Code);
    }

    [Fact]
    public async Task Refresh_tokens_renew_until_the_account_is_deleted()
    {
        var auth = await NodeAsync();
        var account = await auth.GenerateAsync("ada", Account.UserType, ["x"]);
        var first = await auth.TokenAsync(TokenRequest.FromCredentials("ada", account.Secret!, "b"));
        var second = await auth.TokenAsync(TokenRequest.FromRefreshToken(first.RefreshToken, "b", "c"));
        Assert.Equal("ada", (await auth.InspectAsync(second.AccessToken, "c")).Id);

        await auth.DeleteAccountAsync("ada");
        var error = await Assert.ThrowsAsync<MicroException>(async () => await auth.TokenAsync(TokenRequest.FromRefreshToken(second.RefreshToken, "b")));
        Assert.Equal((ErrorCodes.Unauthorized, 401), (error.Id, error.Code));
        await Assert.ThrowsAsync<MicroException>(async () => await auth.TokenAsync(TokenRequest.FromCredentials("ada", account.Secret!, "b")));
    }

    [Fact]
    public async Task Nodes_starting_together_on_an_empty_store_accept_each_others_tokens()
    {
        var nodes = new[] { await NodeAsync(start: false), await NodeAsync(start: false), await NodeAsync(start: false) };
        await Task.WhenAll(nodes.Select(n => n.StartAsync()));
        foreach (var issuer in nodes)
        {
            var token = await issuer.IssueServiceTokenAsync("svc");
            foreach (var verifier in nodes)
                Assert.Equal("svc", (await verifier.InspectAsync(token.AccessToken, "svc")).Id);
        }
    }

    [Fact]
    public async Task A_service_account_is_created_once_and_keeps_the_scopes_an_admin_gave_it()
    {
        var auth = await NodeAsync();
        var first = await auth.IssueServiceTokenAsync("billing");
        var created = await auth.InspectAsync(first.AccessToken, "billing");
        Assert.Equal(["service", "service:billing"], created.Scopes);
        Assert.Equal(Account.ServiceType, created.Type);

        await auth.GenerateAsync("billing", Account.ServiceType, ["service", "service:billing", "payments.charge"]);
        var again = await (await NodeAsync()).IssueServiceTokenAsync("billing");
        Assert.Contains("payments.charge", (await auth.InspectAsync(again.AccessToken, "billing")).Scopes);
    }

    [Fact]
    public async Task Rules_and_accounts_survive_a_restart()
    {
        var first = await NodeAsync();
        await first.GrantAsync(new Rule { Id = "public-hello", Scope = Rule.PublicScope, Resource = Resource.Service("greeter", "Greeter.Hello"), Priority = 3 });
        var account = await first.GenerateAsync("ada", Account.UserType);
        await first.DisposeAsync();

        var restarted = await NodeAsync();
        Assert.True(restarted.Verify(null, Resource.Service("greeter", "Greeter.Hello")).Granted);
        var rule = Assert.Single(await restarted.ListRulesAsync());
        Assert.Equal((3, Access.Granted, Rule.PublicScope), (rule.Priority, rule.Access, rule.Scope));
        var token = await restarted.TokenAsync(TokenRequest.FromCredentials("ada", account.Secret!, "b"));
        Assert.Equal("ada", (await restarted.InspectAsync(token.AccessToken, "b")).Id);
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        // Bounded: the refresh interval in these tests is 300 ms; 15 s is room for a loaded machine.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"timed out waiting for {what}");
            await Task.Delay(50);
        }
    }

    /// <summary>Removes the test's data; by default every record of the auth tables.</summary>
    protected virtual async Task DropDatabaseAsync(IStore store, string database)
    {
        foreach (var table in new[] { "auth_accounts", "auth_rules", "auth_keys" })
        {
            foreach (var key in await store.ListAsync(new ListOptions { Database = database, Table = table }))
                await store.DeleteAsync(key, new StoreScope { Database = database, Table = table });
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var node in _nodes) await node.DisposeAsync();
        if (_stores.FirstOrDefault() is { } store) await DropDatabaseAsync(store, _database);
        foreach (var s in _stores) await s.DisposeAsync();
    }
}
