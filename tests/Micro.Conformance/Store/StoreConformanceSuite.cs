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

    /// <summary>True for backends whose data outlives the store object (a new instance sees it): file, PostgreSQL, Redis.</summary>
    protected virtual bool Persistent => false;

    protected abstract Task<IStore> CreateStoreAsync(StoreOptions options, TimeProvider time);

    /// <summary>Runs the backend's expiry sweep now (what its timer does every <see cref="StoreOptions.SweepInterval"/>).</summary>
    protected abstract Task SweepAsync(IStore store);

    protected async Task<IStore> StoreAsync(int maxValueSize = 1024 * 1024, TimeProvider? time = null)
    {
        var store = await CreateStoreAsync(new StoreOptions { Database = Database, Table = "main", MaxValueSize = maxValueSize },
            time ?? (ControllableClock ? Clock : TimeProvider.System));
        _stores.Add(store);
        return store;
    }

    /// <summary>Waits (bounded) until <paramref name="key"/> is no longer readable on the backend's own clock.</summary>
    private async Task ExpireAsync(IStore store, string key, TimeSpan ttl)
    {
        if (ControllableClock)
        {
            Clock.Advance(ttl + TimeSpan.FromSeconds(1));
            return;
        }
        var until = DateTime.UtcNow + ttl + TimeSpan.FromSeconds(5);
        while ((await store.ReadAsync(key)).Count > 0 && DateTime.UtcNow < until) await Task.Delay(50);
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
    public async Task Last_write_wins_and_versions_increase()
    {
        var store = await StoreAsync();
        await store.WriteAsync(Record("k", "one"));
        var second = await store.WriteAsync(Record("k", "two"));
        var read = Assert.Single(await store.ReadAsync("k"));
        Assert.Equal(("two", second), (Text(read), read.Version));
        Assert.True(second > 1, $"second write got version {second}");
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
        Assert.True(final.Version >= 161, $"161 writes ended at version {final.Version}");
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

    // ---- keys that cannot collide -------------------------------------------------------------

    [Fact]
    public async Task Lone_surrogates_are_rejected_in_keys_prefixes_suffixes_and_cursors()
    {
        var store = await StoreAsync();
        // UTF-8 with replacement characters would make all three one key.
        await store.WriteAsync(Record("s\uFFFD", "replacement"));
        await store.WriteAsync(Record("🔑", "pair"));
        string[] bad = ["s\uD800", "s\uDC00", "\uDC00s", "a\uD800b", "\uD83D"];
        foreach (var key in bad)
        {
            await AssertInvalid(StoreArgumentException.InvalidKey, () => store.WriteAsync(Record(key, "x")).AsTask());
            await AssertInvalid(StoreArgumentException.InvalidKey, () => store.ReadAsync(key).AsTask());
            await AssertInvalid(StoreArgumentException.InvalidKey, () => store.ReadAsync(key, new ReadOptions { Prefix = true }).AsTask());
            await AssertInvalid(StoreArgumentException.InvalidKey, () => store.ReadAsync(key, new ReadOptions { Suffix = true }).AsTask());
            await AssertInvalid(StoreArgumentException.InvalidKey, () => store.ReadAsync("", new ReadOptions { Prefix = true, StartAfter = key }).AsTask());
            await AssertInvalid(StoreArgumentException.InvalidKey, () => store.DeleteAsync(key).AsTask());
            await AssertInvalid(StoreArgumentException.InvalidKey, () => store.ListAsync(new ListOptions { Prefix = key }).AsTask());
            await AssertInvalid(StoreArgumentException.InvalidKey, () => store.ListAsync(new ListOptions { Suffix = key }).AsTask());
            await AssertInvalid(StoreArgumentException.InvalidKey, () => store.ListAsync(new ListOptions { StartAfter = key }).AsTask());
            await AssertInvalid(StoreArgumentException.InvalidMetadata, () => store.WriteAsync(Record("k", "x", new() { ["m"] = key })).AsTask());
        }
        Assert.Equal("replacement", Text(Assert.Single(await store.ReadAsync("s\uFFFD"))));
        Assert.Equal(new[] { "s\uFFFD", "🔑" }.Order(StoreInput.KeyOrder), await store.ListAsync());
    }

    // ---- versions that never repeat ---------------------------------------------------------

    [Fact]
    public async Task Versions_strictly_increase_across_delete_and_a_stale_version_never_matches_again()
    {
        var store = await StoreAsync();
        var first = await store.WriteAsync(Record("k", "one"));
        var second = await store.WriteAsync(Record("k", "two"));
        Assert.True(second > first);
        await store.DeleteAsync("k");

        // Re-created after the delete: a version no earlier record of the key had.
        var third = await store.WriteAsync(Record("k", "three"), new WriteOptions { IfVersion = 0 });
        Assert.True(third > second, $"after delete the key got version {third}, not above {second}");
        foreach (var stale in new[] { first, second })
        {
            var conflict = await Assert.ThrowsAsync<StoreConflictException>(async () => await store.WriteAsync(Record("k", "lost update"), new WriteOptions { IfVersion = stale }));
            Assert.Equal((stale, third), (conflict.Expected, conflict.Actual));
        }
        Assert.Equal("three", Text(Assert.Single(await store.ReadAsync("k"))));

        // Other keys of the table move the revision on too: every write is later than every earlier one.
        var other = await store.WriteAsync(Record("other", "x"));
        Assert.True(other > third);
        await store.DeleteAsync("k");
        Assert.True(await store.WriteAsync(Record("k", "four")) > other);

        if (Persistent)
        {
            // A new store object (another process, a restart) continues the revision.
            var reopened = await StoreAsync();
            var before = Assert.Single(await reopened.ReadAsync("k")).Version;
            await reopened.DeleteAsync("k");
            Assert.True(await reopened.WriteAsync(Record("k", "five")) > before);
        }
    }

    [Fact]
    public async Task Versions_strictly_increase_across_expiry_whether_or_not_the_sweep_ran()
    {
        var store = await StoreAsync();
        var ttl = ControllableClock ? TimeSpan.FromMinutes(1) : TimeSpan.FromMilliseconds(300);
        var old = await store.WriteAsync(Record("k", "short-lived"), new WriteOptions { Ttl = ttl });
        await store.WriteAsync(Record("swept", "short-lived"), new WriteOptions { Ttl = ttl });
        await ExpireAsync(store, "k", ttl);
        await ExpireAsync(store, "swept", ttl);
        Assert.Empty(await store.ReadAsync("k"));
        await SweepAsync(store);

        foreach (var key in new[] { "k", "swept" })
        {
            var renewed = await store.WriteAsync(Record(key, "new"), new WriteOptions { IfVersion = 0 });
            Assert.True(renewed > old, $"{key}: re-created after expiry at version {renewed}, not above {old}");
            await Assert.ThrowsAsync<StoreConflictException>(async () => await store.WriteAsync(Record(key, "lost update"), new WriteOptions { IfVersion = old }));
            Assert.Equal("new", Text(Assert.Single(await store.ReadAsync(key))));
        }
    }

    // ---- one clock for expiry ---------------------------------------------------------------

    /// <summary>True for shared backends, whose expiry runs on the server's clock (PostgreSQL, Redis).</summary>
    protected virtual bool ServerClock => false;

    [Fact]
    public async Task A_client_clock_off_by_an_hour_neither_hides_live_keys_nor_returns_expired_ones()
    {
        if (!ServerClock)
        {
            // In-process stores: the clock they are given is the only clock; expiry follows it exactly.
            var ahead = new FakeTimeProvider(DateTimeOffset.UtcNow + TimeSpan.FromHours(1));
            var local = await StoreAsync(time: ahead);
            await local.WriteAsync(Record("live", "x"), new WriteOptions { Ttl = TimeSpan.FromMinutes(1) });
            // Stores keep expiries to the millisecond.
            Assert.Equal((ahead.GetUtcNow() + TimeSpan.FromMinutes(1)).ToUnixTimeMilliseconds(), Assert.Single(await local.ReadAsync("live")).Expiry!.Value.ToUnixTimeMilliseconds());
            ahead.Advance(TimeSpan.FromSeconds(59));
            Assert.Equal(["live"], await local.ListAsync());
            ahead.Advance(TimeSpan.FromSeconds(2));
            Assert.Empty(await local.ReadAsync("live"));
            Assert.Empty(await local.ListAsync());
            return;
        }
        var fast = await StoreAsync(time: new ShiftedTimeProvider(TimeSpan.FromHours(1)));
        var slow = await StoreAsync(time: new ShiftedTimeProvider(-TimeSpan.FromHours(1)));
        var right = await StoreAsync(time: TimeProvider.System);

        await fast.WriteAsync(Record("by-fast", "x"), new WriteOptions { Ttl = TimeSpan.FromMinutes(1) });
        await slow.WriteAsync(Record("by-slow", "x"), new WriteOptions { Ttl = TimeSpan.FromMinutes(1) });
        await fast.WriteAsync(Record("absolute", "x") with { Expiry = DateTimeOffset.UtcNow + TimeSpan.FromMinutes(1) });
        foreach (var store in new[] { fast, slow, right }) await SweepAsync(store);

        foreach (var store in new[] { fast, slow, right })
        {
            Assert.Equal(["absolute", "by-fast", "by-slow"], await store.ListAsync());
            Assert.Equal(3, (await store.ReadAsync("", new ReadOptions { Prefix = true })).Count);
            foreach (var key in new[] { "by-fast", "by-slow" })
            {
                // The TTL counted from the server's now, not the writer's.
                var expiry = Assert.Single(await store.ReadAsync(key)).Expiry!.Value;
                Assert.InRange(expiry, DateTimeOffset.UtcNow + TimeSpan.FromSeconds(50), DateTimeOffset.UtcNow + TimeSpan.FromSeconds(61));
            }
        }

        // Expired on the server's clock: gone for everyone, including a client that thinks it is an hour earlier.
        var ttl = TimeSpan.FromMilliseconds(300);
        await slow.WriteAsync(Record("short", "x"), new WriteOptions { Ttl = ttl });
        await right.WriteAsync(Record("short-absolute", "x") with { Expiry = DateTimeOffset.UtcNow + ttl });
        await ExpireAsync(right, "short", ttl);
        await ExpireAsync(right, "short-absolute", ttl);
        foreach (var store in new[] { slow, right, fast })
        {
            Assert.Empty(await store.ReadAsync("short"));
            Assert.Empty(await store.ReadAsync("short-absolute"));
            Assert.Equal(["absolute", "by-fast", "by-slow"], await store.ListAsync());
            Assert.Equal(["absolute", "by-fast", "by-slow"], (await store.ReadAsync("", new ReadOptions { Prefix = true })).Select(r => r.Key));
        }
        // And the condition of a conditional write sees it as absent.
        await slow.WriteAsync(Record("short", "again"), new WriteOptions { IfVersion = 0 });
    }

    // ---- listing that scales ----------------------------------------------------------------

    [Fact]
    public async Task A_keyset_cursor_pages_through_prefix_and_suffix_listings()
    {
        var store = await StoreAsync();
        var keys = Enumerable.Range(0, 2500).Select(i => $"p/{i:D4}" + (i % 3 == 0 ? "/x" : "/y")).Append("a").Append("q").ToList();
        await Parallel.ForEachAsync(keys, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (key, _) => await store.WriteAsync(Record(key, key)));
        var ordered = keys.Order(StoreInput.KeyOrder).ToList();

        Assert.Equal(ordered, await PageAll(new ListOptions(), 700));
        Assert.Equal(ordered.Where(k => k.StartsWith("p/", StringComparison.Ordinal)), await PageAll(new ListOptions { Prefix = "p/" }, 1000));
        // The suffix filter crosses the backends' internal batches.
        Assert.Equal(ordered.Where(k => k.EndsWith("/x", StringComparison.Ordinal)), await PageAll(new ListOptions { Suffix = "/x" }, 300));
        Assert.Equal(ordered.Where(k => k.StartsWith("p/1", StringComparison.Ordinal) && k.EndsWith("/y", StringComparison.Ordinal)),
            await PageAll(new ListOptions { Prefix = "p/1", Suffix = "/y" }, 250));

        // The cursor need not be a stored key; before the prefix it starts at the prefix, after it the listing is empty.
        Assert.Equal(["p/0000/x", "p/0001/y"], await store.ListAsync(new ListOptions { Prefix = "p/", StartAfter = "a", Limit = 2 }));
        Assert.Equal(["p/1000/y", "p/1001/y"], await store.ListAsync(new ListOptions { Prefix = "p/", StartAfter = "p/0999/zzz", Limit = 2 }));
        Assert.Empty(await store.ListAsync(new ListOptions { Prefix = "p/", StartAfter = "p0" }));
        Assert.Equal(["q"], await store.ListAsync(new ListOptions { StartAfter = "p/2499/y" }));
        // Offset counts after the cursor.
        Assert.Equal(["p/0003/x"], await store.ListAsync(new ListOptions { StartAfter = "p/0000/x", Offset = 2, Limit = 1 }));

        var records = await store.ReadAsync("p/", new ReadOptions { Prefix = true, StartAfter = "p/2497/y", Limit = 5 });
        Assert.Equal(["p/2498/y", "p/2499/x"], records.Select(r => r.Key));
        Assert.Equal("p/2499/x", Text(records[1]));

        async Task<List<string>> PageAll(ListOptions filter, int pageSize)
        {
            var all = new List<string>();
            for (var page = 0; page < 100; page++)
            {
                var next = await store.ListAsync(filter with { Limit = pageSize, StartAfter = all.Count == 0 ? null : all[^1] });
                all.AddRange(next);
                if (next.Count < pageSize) return all;
            }
            throw new Xunit.Sdk.XunitException("paging did not end");
        }
    }

    [Fact]
    public async Task Negative_limits_and_offsets_are_rejected_and_limit_zero_means_all()
    {
        var store = await StoreAsync();
        await WriteAll(store, ["a", "b", "c"]);
        await AssertInvalid(StoreArgumentException.InvalidPage, () => store.ListAsync(new ListOptions { Limit = -1 }).AsTask());
        await AssertInvalid(StoreArgumentException.InvalidPage, () => store.ListAsync(new ListOptions { Offset = -1 }).AsTask());
        await AssertInvalid(StoreArgumentException.InvalidPage, () => store.ReadAsync("", new ReadOptions { Prefix = true, Limit = -5 }).AsTask());
        await AssertInvalid(StoreArgumentException.InvalidPage, () => store.ReadAsync("a", new ReadOptions { Suffix = true, Offset = -1 }).AsTask());
        Assert.Equal(["a", "b", "c"], await store.ListAsync(new ListOptions { Limit = 0 }));
        Assert.Equal(["b", "c"], await store.ListAsync(new ListOptions { Limit = 0, Offset = 1 }));
    }

    // ---- clear errors -----------------------------------------------------------------------

    [Fact]
    public async Task Null_metadata_and_non_positive_ttls_have_their_own_errors_and_write_nothing()
    {
        var store = await StoreAsync();
        // As a record deserialised from {"key":"k","metadata":null} arrives.
        await AssertInvalid(StoreArgumentException.InvalidMetadata, () => store.WriteAsync(new StoreRecord { Key = "k", Metadata = null! }).AsTask());
        await AssertInvalid(StoreArgumentException.InvalidMetadata, () => store.WriteAsync(new StoreRecord { Key = "k", Metadata = new Dictionary<string, string> { ["a"] = null! } }).AsTask());
        await AssertInvalid(StoreArgumentException.InvalidTtl, () => store.WriteAsync(Record("k", "v"), new WriteOptions { Ttl = TimeSpan.Zero }).AsTask());
        await AssertInvalid(StoreArgumentException.InvalidTtl, () => store.WriteAsync(Record("k", "v"), new WriteOptions { Ttl = TimeSpan.FromSeconds(-1) }).AsTask());
        Assert.Empty(await store.ReadAsync("k"));
        Assert.Empty(await store.ListAsync());
    }

    private static async Task AssertInvalid(string id, Func<Task> call)
    {
        var e = await Assert.ThrowsAsync<StoreArgumentException>(call);
        Assert.Equal((id, 400), (e.Id, e.Code));
    }
}
