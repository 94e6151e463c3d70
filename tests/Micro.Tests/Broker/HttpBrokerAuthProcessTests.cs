using System.Globalization;
using Micro.Auth;
using Micro.Auth.Jwt;
using Micro.Conformance;
using Micro.Conformance.Broker;
using Micro.Sqlite.Store;
using Micro.Store;
using Xunit.Abstractions;

namespace Micro.Tests.Broker;

/// <summary>
/// Auth on HTTP broker deliveries, with real processes: a subscribing service and publishers (tests/Micro.Tests.BrokerWorker),
/// all with MICRO_AUTH=jwt over one file store, found through the shared etcd; this test process is the admin that creates
/// the accounts and grants the rule. The subscriber checks each delivery request before any handler runs.
/// </summary>
public sealed class HttpBrokerAuthProcessTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Start = TimeSpan.FromSeconds(60);
    private readonly string _folder = Directory.CreateTempSubdirectory("micro-broker-auth-").FullName;
    private readonly string _topic = "au" + Guid.NewGuid().ToString("N")[..10] + ".orders";

    private Dictionary<string, string> Environment(string role, params (string Key, string Value)[] extra)
    {
        var environment = new Dictionary<string, string>
        {
            ["MICRO_BROKER"] = "http",
            ["MICRO_BROKER_OUTBOX_PATH"] = Path.Combine(_folder, role),
            ["MICRO_BROKER_REFUSED_RETRY_FOR"] = "1s",
            ["MICRO_REGISTRY"] = "etcd",
            ["MICRO_REGISTRY_ADDRESS"] = TestServers.Etcd,
            ["MICRO_SERVER_ADDRESS"] = "127.0.0.1:0",
            ["MICRO_AUTH"] = "jwt",
            ["MICRO_AUTH_REFRESH_INTERVAL"] = "500ms",
            ["MICRO_STORE"] = "file",
            ["MICRO_STORE_ADDRESS"] = Path.Combine(_folder, "store"),
        };
        foreach (var (key, value) in extra) environment[key] = value;
        return environment;
    }

    private BrokerWorker Publisher(Dictionary<string, string> environment, int from, int count) =>
        BrokerWorker.Start(environment, "publish", _topic, Path.Combine(_folder, "published-" + from.ToString(CultureInfo.InvariantCulture)),
            from.ToString(CultureInfo.InvariantCulture), count.ToString(CultureInfo.InvariantCulture));

    [Fact]
    public async Task A_publisher_without_the_right_scope_cannot_deliver_to_a_protected_subscriber()
    {
        const int count = 50;
        string shopSecret, otherSecret;
        await using (var store = new FileStore(new StoreOptions { Address = Path.Combine(_folder, "store") }))
        await using (var admin = new JwtAuth(store, new AuthOptions { Plugin = "jwt" }))
        {
            shopSecret = (await admin.GenerateAsync("shop", Account.ServiceType, ["orders.publish"])).Secret!;
            otherSecret = (await admin.GenerateAsync("other", Account.ServiceType, ["service"])).Secret!;
            await admin.GrantAsync(new Rule { Id = "shop-publishes", Scope = "orders.publish", Resource = Resource.Subscriber(_topic, "nlsub") });
        }
        var handled = Path.Combine(_folder, "handled");
        await using var subscriber = BrokerWorker.Start(Environment("subscriber"), "subscribe", _topic, handled);
        await subscriber.WaitForAsync("ready", Start);

        // The account with the scope delivers.
        await using (var shop = Publisher(Environment("shop", ("MICRO_AUTH_ID", "shop"), ("MICRO_AUTH_SECRET", shopSecret)), 0, count))
            await shop.WaitForAsync("drained", TimeSpan.FromMinutes(2));

        // A valid account without the scope: 403, dead-lettered after the retry window, its handler never ran.
        await using (var other = Publisher(Environment("other", ("MICRO_AUTH_ID", "other"), ("MICRO_AUTH_SECRET", otherSecret)), 1000, count))
        {
            var refusal = await other.WaitForAsync(l => l.Contains(" refused: ", StringComparison.Ordinal), TimeSpan.FromMinutes(2));
            output.WriteLine(refusal.Trim());
            Assert.Contains("403 micro.forbidden", refusal, StringComparison.Ordinal);
            await other.WaitForAsync("dead-lettered " + count.ToString(CultureInfo.InvariantCulture), TimeSpan.FromMinutes(1));
        }

        // No token at all (auth off in the publisher): 401.
        await using (var anonymous = Publisher(Environment("anonymous", ("MICRO_AUTH", "none")), 2000, count))
        {
            var refusal = await anonymous.WaitForAsync(l => l.Contains(" refused: ", StringComparison.Ordinal), TimeSpan.FromMinutes(2));
            output.WriteLine(refusal.Trim());
            Assert.Contains("401 micro.unauthorized", refusal, StringComparison.Ordinal);
            await anonymous.WaitForAsync("dead-lettered " + count.ToString(CultureInfo.InvariantCulture), TimeSpan.FromMinutes(1));
        }

        // Every refusal happened before a handler: the subscriber handled exactly the allowed publisher's messages.
        var ids = File.ReadAllLines(handled).Where(l => l.Length > 0).ToHashSet();
        Assert.Equal(Enumerable.Range(0, count).Select(i => "m-" + i.ToString(CultureInfo.InvariantCulture)).ToHashSet(), ids);
    }

    public void Dispose()
    {
        try { Directory.Delete(_folder, recursive: true); } catch (IOException) { }
    }
}
