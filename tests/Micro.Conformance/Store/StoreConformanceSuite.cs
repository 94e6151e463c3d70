using System.Text;
using Micro.Store;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Micro.Conformance.Store;

/// <summary>
/// What every <see cref="IStore"/> must do. A backend's test project subclasses this with a factory.
/// Each test works in a database of its own, so suites can share one real server.
/// </summary>
public abstract class StoreConformanceSuite : IAsyncLifetime
{
    private readonly List<IStore> _stores = [];

    protected StoreConformanceSuite()
    {
        Database = "t" + Guid.NewGuid().ToString("N")[..16];
        Clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
    }

    /// <summary>The test's own database name.</summary>
    protected string Database { get; }

    /// <summary>The clock handed to stores that accept one.</summary>
    protected FakeTimeProvider Clock { get; }

    /// <summary>False for backends whose expiry runs on the server's clock (Redis): TTL tests then wait for real.</summary>
    protected virtual bool ControllableClock => true;

    protected abstract Task<IStore> CreateStoreAsync(StoreOptions options, TimeProvider time);

    protected async Task<IStore> StoreAsync(int maxValueSize = 1024 * 1024)
    {
        var store = await CreateStoreAsync(new StoreOptions { Database = Database, Table = "main", MaxValueSize = maxValueSize },
            ControllableClock ? Clock : TimeProvider.System);
        _stores.Add(store);
        return store;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    /// <summary>Removes what a test wrote to a shared server (the databases named <see cref="Database"/>...).</summary>
    protected virtual Task DropDatabasesAsync(IReadOnlyList<string> databases) => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var store in _stores) await store.DisposeAsync();
        await DropDatabasesAsync([Database, Database + "b"]);
    }

    private static StoreRecord Record(string key, string value, Dictionary<string, string>? metadata = null) =>
        new() { Key = key, Value = Encoding.UTF8.GetBytes(value), Metadata = metadata ?? [] };

    private static string Text(StoreRecord record) => Encoding.UTF8.GetString(record.Value.Span);

    private static async Task WriteAll(IStore store, IEnumerable<string> keys)
    {
        foreach (var key in keys) await store.WriteAsync(Record(key, "v:" + key));
    }

    [Fact]
    public async Task Value_and_metadata_round_trip()
    {
        var store = await StoreAsync();
        var bytes = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        var version = await store.WriteAsync(new StoreRecord { Key = "k", Value = bytes, Metadata = new Dictionary<string, string> { ["owner"] = "ada", ["n"] = "3" } });

        var read = Assert.Single(await store.ReadAsync("k"));
        Assert.Equal("k", read.Key);
        Assert.Equal(bytes, read.Value.ToArray());
        Assert.Equal("ada", read.Metadata["owner"]);
        Assert.Equal("3", read.Metadata["n"]);
        Assert.Equal(1, version);
        Assert.Equal(1, read.Version);
        Assert.Null(read.Expiry);
        Assert.Empty(await store.ReadAsync("missing"));
    }

    [Fact]
    public async Task Last_write_wins_and_versions_count_writes()
    {
        var store = await StoreAsync();
        await store.WriteAsync(Record("k", "one"));
        var second = await store.WriteAsync(Record("k", "two"));
        var read = Assert.Single(await store.ReadAsync("k"));
        Assert.Equal(("two", 2L, 2L), (Text(read), second, read.Version));
    }

    [Fact]
    public async Task Delete_removes_and_deleting_a_missing_key_is_fine()
    {
        var store = await StoreAsync();
        await store.WriteAsync(Record("k", "v"));
        await store.DeleteAsync("k");
        await store.DeleteAsync("never-there");
        Assert.Empty(await store.ReadAsync("k"));
        Assert.Empty(await store.ListAsync());
    }

    [Fact]
    public async Task Prefix_suffix_limit_and_offset_combine()
    {
        var store = await StoreAsync();
        await WriteAll(store, ["user/1/name", "user/1/mail", "user/2/name", "user/20/name", "users", "order/1/name", "u"]);

        Assert.Equal(["order/1/name", "u", "user/1/mail", "user/1/name", "user/2/name", "user/20/name", "users"], await store.ListAsync());
        Assert.Equal(["user/1/mail", "user/1/name", "user/2/name", "user/20/name"], await store.ListAsync(new ListOptions { Prefix = "user/" }));
        Assert.Equal(["order/1/name", "user/1/name", "user/2/name", "user/20/name"], await store.ListAsync(new ListOptions { Suffix = "/name" }));
        Assert.Equal(["user/1/name", "user/2/name", "user/20/name"], await store.ListAsync(new ListOptions { Prefix = "user/", Suffix = "/name" }));
        Assert.Equal(["user/2/name"], await store.ListAsync(new ListOptions { Prefix = "user/", Suffix = "/name", Offset = 1, Limit = 1 }));
        Assert.Equal(["user/1/name", "user/2/name"], await store.ListAsync(new ListOptions { Prefix = "user/", Limit = 2, Offset = 1 }));
        Assert.Equal(["user/20/name", "users"], await store.ListAsync(new ListOptions { Offset = 5 }));
        Assert.Equal(["order/1/name", "u"], await store.ListAsync(new ListOptions { Limit = 2 }));
        Assert.Empty(await store.ListAsync(new ListOptions { Prefix = "nobody" }));

        var byPrefix = await store.ReadAsync("user/2", new ReadOptions { Prefix = true });
        Assert.Equal(["user/2/name", "user/20/name"], byPrefix.Select(r => r.Key));
        Assert.Equal("v:user/20/name", Text(byPrefix[1]));
        var bySuffix = await store.ReadAsync("name", new ReadOptions { Suffix = true, Limit = 2, Offset = 1 });
        Assert.Equal(["user/1/name", "user/2/name"], bySuffix.Select(r => r.Key));
        var both = await store.ReadAsync("user/1", new ReadOptions { Prefix = true, Limit = 1 });
        Assert.Equal(["user/1/mail"], both.Select(r => r.Key));
    }

    [Fact]
    public async Task Tables_and_databases_are_isolated()
    {
        var store = await StoreAsync();
        var otherTable = new WriteOptions { Table = "other" };
        var otherDatabase = new WriteOptions { Database = Database + "b" };
        await store.WriteAsync(Record("k", "main"));
        await store.WriteAsync(Record("k", "table"), otherTable);
        await store.WriteAsync(Record("k", "db"), otherDatabase);
        await store.WriteAsync(Record("only-in-other", "x"), otherTable);

        Assert.Equal("main", Text(Assert.Single(await store.ReadAsync("k"))));
        Assert.Equal("table", Text(Assert.Single(await store.ReadAsync("k", new ReadOptions { Table = "other" }))));
        Assert.Equal("db", Text(Assert.Single(await store.ReadAsync("k", new ReadOptions { Database = Database + "b" }))));
        Assert.Equal(["k"], await store.ListAsync());
        Assert.Equal(["k", "only-in-other"], await store.ListAsync(new ListOptions { Table = "other" }));

        await store.DeleteAsync("k", new StoreScope { Table = "other" });
        Assert.Single(await store.ReadAsync("k"));
        await store.DeleteAsync("k", new StoreScope { Database = Database + "b" });
    }

    [Fact]
    public async Task Expired_records_are_never_returned()
    {
        var store = await StoreAsync();
        var ttl = ControllableClock ? TimeSpan.FromMinutes(1) : TimeSpan.FromMilliseconds(400);
        await store.WriteAsync(Record("short", "x"), new WriteOptions { Ttl = ttl });
        await store.WriteAsync(Record("absolute", "x") with { Expiry = (ControllableClock ? Clock.GetUtcNow() : DateTimeOffset.UtcNow) + ttl });
        await store.WriteAsync(Record("forever", "x"));

        var live = Assert.Single(await store.ReadAsync("short"));
        Assert.NotNull(live.Expiry);
        Assert.Equal(["absolute", "forever", "short"], await store.ListAsync());

        if (ControllableClock)
        {
            Clock.Advance(ttl + TimeSpan.FromSeconds(1));
        }
        else
        {
            // Real expiry on the server's clock: wait for it, bounded.
            var until = DateTime.UtcNow + ttl + TimeSpan.FromSeconds(5);
            while (((await store.ReadAsync("short")).Count > 0 || (await store.ReadAsync("absolute")).Count > 0) && DateTime.UtcNow < until) await Task.Delay(50);
        }
        Assert.Empty(await store.ReadAsync("short"));
        Assert.Empty(await store.ReadAsync("absolute"));
        Assert.Equal(["forever"], await store.ListAsync());
        Assert.Equal(["forever"], (await store.ReadAsync("", new ReadOptions { Prefix = true })).Select(r => r.Key));

        // An expired key can be written again as a new record.
        await store.WriteAsync(Record("short", "again"), new WriteOptions { IfVersion = 0 });
        Assert.Equal("again", Text(Assert.Single(await store.ReadAsync("short"))));
    }

    [Fact]
    public async Task Ten_thousand_keys_list_correctly_and_in_order()
    {
        var store = await StoreAsync();
        var keys = Enumerable.Range(0, 10_000).Select(i => $"k/{i % 97:D2}/{i}").ToList();
        await Parallel.ForEachAsync(keys, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (key, _) => await store.WriteAsync(Record(key, key)));

        var expected = keys.Order(StoreInput.KeyOrder).ToList();
        Assert.Equal(expected, await store.ListAsync());
        var paged = new List<string>();
        for (var offset = 0; offset < 10_000; offset += 1500)
            paged.AddRange(await store.ListAsync(new ListOptions { Offset = offset, Limit = 1500 }));
        Assert.Equal(expected, paged);
        Assert.Equal(expected.Where(k => k.StartsWith("k/42/", StringComparison.Ordinal)), await store.ListAsync(new ListOptions { Prefix = "k/42/" }));
    }

    [Fact]
    public async Task Concurrent_writers_lose_nothing()
    {
        var store = await StoreAsync();
        await Parallel.ForEachAsync(Enumerable.Range(0, 32), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (writer, _) =>
        {
            for (var i = 0; i < 50; i++) await store.WriteAsync(Record($"w{writer:D2}/{i:D2}", $"{writer}:{i}"));
        });
        var keys = await store.ListAsync();
        Assert.Equal(32 * 50, keys.Count);
        Assert.Equal("7:49", Text(Assert.Single(await store.ReadAsync("w07/49"))));
    }

    [Fact]
    public async Task Conditional_writes_make_a_lost_update_impossible()
    {
        var store = await StoreAsync();
        Assert.Equal(1, await store.WriteAsync(Record("counter", "0"), new WriteOptions { IfVersion = 0 }));
        var conflict = await Assert.ThrowsAsync<StoreConflictException>(async () => await store.WriteAsync(Record("counter", "x"), new WriteOptions { IfVersion = 0 }));
        Assert.Equal((0L, 1L, 409), (conflict.Expected, conflict.Actual, conflict.Code));

        // 16 tasks each add 10 with read-modify-write guarded by the version: no increment is lost.
        await Parallel.ForEachAsync(Enumerable.Range(0, 16), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (_, _) =>
        {
            for (var done = 0; done < 10;)
            {
                var current = Assert.Single(await store.ReadAsync("counter"));
                var next = int.Parse(Text(current), System.Globalization.CultureInfo.InvariantCulture) + 1;
                try
                {
                    await store.WriteAsync(Record("counter", next.ToString(System.Globalization.CultureInfo.InvariantCulture)), new WriteOptions { IfVersion = current.Version });
                    done++;
                }
                catch (StoreConflictException)
                {
                    // someone else won this round; read again
                }
            }
        });
        var final = Assert.Single(await store.ReadAsync("counter"));
        Assert.Equal("160", Text(final));
        Assert.Equal(161, final.Version);
    }

    [Fact]
    public async Task Unusual_keys_round_trip_and_wildcards_match_literally()
    {
        var store = await StoreAsync();
        string[] keys = ["ключ", "🔑/door", "100%", "%all", "_under", "a_b", "aXb", "it's \"quoted\"", "/leading/slash", "back\\slash", "tab\there", "a%b", "a"];
        await WriteAll(store, keys);

        foreach (var key in keys) Assert.Equal("v:" + key, Text(Assert.Single(await store.ReadAsync(key))));
        Assert.Equal(keys.Order(StoreInput.KeyOrder), await store.ListAsync());
        Assert.Equal(["%all"], await store.ListAsync(new ListOptions { Prefix = "%" }));
        Assert.Equal(["_under"], await store.ListAsync(new ListOptions { Prefix = "_" }));
        Assert.Equal(["a_b"], await store.ListAsync(new ListOptions { Prefix = "a_" }));
        Assert.Equal(["100%"], await store.ListAsync(new ListOptions { Suffix = "%" }));
        Assert.Equal(["a%b"], await store.ListAsync(new ListOptions { Prefix = "a%" }));
        Assert.Equal(["🔑/door"], await store.ListAsync(new ListOptions { Prefix = "🔑" }));
        Assert.Equal(["back\\slash"], await store.ListAsync(new ListOptions { Prefix = "back\\" }));
    }

    [Fact]
    public async Task Bad_input_is_a_clear_error_and_stores_nothing()
    {
        var store = await StoreAsync(maxValueSize: 1024);
        var empty = await Assert.ThrowsAsync<StoreArgumentException>(async () => await store.WriteAsync(Record("", "x")));
        Assert.Equal(StoreArgumentException.InvalidKey, empty.Id);
        await Assert.ThrowsAsync<StoreArgumentException>(async () => await store.ReadAsync(""));

        var big = await Assert.ThrowsAsync<StoreArgumentException>(async () => await store.WriteAsync(new StoreRecord { Key = "big", Value = new byte[1025] }));
        Assert.Equal((StoreArgumentException.TooLarge, 413), (big.Id, big.Code));
        Assert.Empty(await store.ReadAsync("big"));

        var name = await Assert.ThrowsAsync<StoreArgumentException>(async () => await store.WriteAsync(Record("k", "v"), new WriteOptions { Table = "x\"; DROP TABLE y; --" }));
        Assert.Equal(StoreArgumentException.InvalidName, name.Id);
        Assert.Empty(await store.ListAsync());

        await store.DisposeAsync();
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await store.WriteAsync(Record("k", "v")));
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await store.ReadAsync("k"));
    }
}
