// bench/run.sh store --paging: a full walk of a table of N keys in pages, by Offset and by the StartAfter
// cursor, per backend. Offset paging re-reads the skipped keys on every page (quadratic in N); the cursor
// starts each page at the previous page's last key (linear).
using System.Diagnostics;
using Micro.Store;

internal static class Paging
{
    /// <summary>Milliseconds for a full walk by offset and by cursor, after writing <paramref name="keys"/> keys.</summary>
    public static async Task<(double Offset, double Cursor)> MeasureAsync(IStore store, int keys, int page, ListOptions? filter = null)
    {
        filter ??= new ListOptions();
        var value = new byte[16];
        await Parallel.ForEachAsync(Enumerable.Range(0, keys), new ParallelOptions { MaxDegreeOfParallelism = 8 },
            async (i, _) => await store.WriteAsync(new StoreRecord { Key = $"k/{i:D7}" + (i % 2 == 0 ? "/even" : "/odd"), Value = value }));
        // Warm both paths once (JIT, prepared statements, caches), then time one walk each.
        await ByOffset(store, filter, page);
        await ByCursor(store, filter, page);
        var sw = Stopwatch.StartNew();
        var a = await ByOffset(store, filter, page);
        var offset = sw.Elapsed.TotalMilliseconds;
        sw.Restart();
        var b = await ByCursor(store, filter, page);
        var cursor = sw.Elapsed.TotalMilliseconds;
        if (a != b) throw new InvalidOperationException($"offset paging saw {a} keys, cursor paging {b}");
        return (offset, cursor);
    }

    private static async Task<int> ByOffset(IStore store, ListOptions filter, int page)
    {
        var seen = 0;
        while (true)
        {
            var keys = await store.ListAsync(filter with { Offset = seen, Limit = page });
            seen += keys.Count;
            if (keys.Count < page) return seen;
        }
    }

    private static async Task<int> ByCursor(IStore store, ListOptions filter, int page)
    {
        var seen = 0;
        string? after = null;
        while (true)
        {
            var keys = await store.ListAsync(filter with { StartAfter = after, Limit = page });
            seen += keys.Count;
            if (keys.Count < page) return seen;
            after = keys[^1];
        }
    }
}
