using Micro.Auth;
using Micro.Auth.Jwt;
using Micro.Client;
using Micro.Errors;
using Micro.Store;
using Micro.Tests.Rpc;
using Microsoft.Extensions.DependencyInjection;

namespace Micro.Tests.Identity;

/// <summary>Auth rules decide on the identity the caller's mTLS certificate proves: no tokens involved.</summary>
public sealed class PeerIdentityAuthTests
{
    [Fact]
    public async Task Only_orders_may_call_payments_charge_by_certificate_alone()
    {
        await using var cluster = new IdentityCluster();
        var admin = new JwtAuth(cluster.Store, new AuthOptions { Plugin = "jwt", RefreshInterval = TimeSpan.FromSeconds(1) });
        await admin.StartAsync();
        await admin.GrantAsync(new Rule { Id = "orders-charges", Scope = "service:orders", Resource = new Resource("service", "payments", "Payments.Charge") });
        await cluster.StartNodeAsync("payments", b =>
        {
            b.Services.AddSingleton<IStore>(cluster.Store);
            b.Services.UseJwtAuth(o => o.RefreshInterval = TimeSpan.FromSeconds(1));
            b.Handle<Echo, EchoReply>("Payments.Charge", (req, ctx) => new EchoReply("charged " + req.Text, ctx.Account?.Id + " " + ctx.PeerIdentity?.Id));
        });
        var orders = cluster.CreateClient(await cluster.IdentityAsync("orders"), options: new ClientOptions { Retries = 0 });
        var billing = cluster.CreateClient(await cluster.IdentityAsync("billing"), options: new ClientOptions { Retries = 0 });

        var charged = await orders.CallAsync<Echo, EchoReply>("payments", "Payments.Charge", new Echo("42"));
        var refused = await Assert.ThrowsAsync<MicroException>(() => billing.CallAsync<Echo, EchoReply>("payments", "Payments.Charge", new Echo("42")));

        Assert.Equal("charged 42", charged.Text);
        Assert.Equal("orders spiffe://test.micro/service/orders", charged.Node);
        Assert.Equal((ErrorCodes.Forbidden, 403), (refused.Id, refused.Code));
        Assert.Contains("billing", refused.Detail, StringComparison.Ordinal);
        await admin.DisposeAsync();
    }
}
