using System.CommandLine;
using System.Globalization;
using System.Text;
using Micro.Cli.Hosting;
using Micro.Cli.Output;
using Micro.Store;

namespace Micro.Cli.Commands;

/// <summary><c>micro store read|write|list|delete</c> on the store chosen by MICRO_STORE / MICRO_STORE_ADDRESS.</summary>
public static class StoreCommand
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The command and its four sub-commands.</summary>
    public static Command Create()
    {
        var database = new Option<string?>("--database") { Description = "database (default: MICRO_STORE_DATABASE, else micro)", Recursive = true };
        var table = new Option<string?>("--table") { Description = "table (default: MICRO_STORE_TABLE, else default)", Recursive = true };
        var command = new Command("store", "Read, write, list and delete records in the store (MICRO_STORE=memory|file|redis|postgres, MICRO_STORE_ADDRESS)")
        {
            database, table, Read(database, table), Write(database, table), List(database, table), Delete(database, table),
        };
        return command;
    }

    private static Command Read(Option<string?> database, Option<string?> table)
    {
        var key = new Argument<string>("key") { Description = "the key (with --prefix/--suffix: the part to match; may be empty)" };
        var prefix = new Option<bool>("--prefix") { Description = "every record whose key starts with KEY" };
        var suffix = new Option<bool>("--suffix") { Description = "every record whose key ends with KEY" };
        var limit = new Option<int>("--limit") { Description = "at most this many records (0 = all)" };
        var command = new Command("read", "Print a record's value (text) or the records matching a prefix/suffix") { key, prefix, suffix, limit };
        CliAction.Set(command, async (parse, cli, ct) =>
        {
            var name = parse.GetValue(key)!;
            var many = parse.GetValue(prefix) || parse.GetValue(suffix);
            var records = await cli.Services.Store.ReadAsync(name, new ReadOptions
            {
                Prefix = parse.GetValue(prefix), Suffix = parse.GetValue(suffix), Limit = parse.GetValue(limit),
                Database = parse.GetValue(database), Table = parse.GetValue(table),
            }, ct).ConfigureAwait(false);
            if (!many && records.Count == 0) throw CliException.NotFound("micro.store.not_found", $"no record '{name}' in the {cli.Services.Store.Name} store");
            var views = records.Select(View).ToList();
            if (cli.Json)
            {
                if (many) cli.WriteJson<IReadOnlyList<StoreRecordView>>(views, CliJsonContext.Default.IReadOnlyListStoreRecordView);
                else cli.WriteJson(views[0], CliJsonContext.Default.StoreRecordView);
            }
            else if (!many) cli.Out.WriteLine(views[0].Value ?? views[0].ValueBase64);
            else TableWriter.Write(cli.Out, ["KEY", "VERSION", "EXPIRY", "VALUE"], views.Select(v => (IReadOnlyList<string>)[
                v.Key, v.Version.ToString(CultureInfo.InvariantCulture), v.Expiry?.ToString("O", CultureInfo.InvariantCulture) ?? "-", v.Value ?? "base64:" + v.ValueBase64]));
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Write(Option<string?> database, Option<string?> table)
    {
        var key = new Argument<string>("key") { Description = "the key" };
        var value = new Argument<string>("value") { Description = "the value as text; '-' reads it from stdin" };
        var ttl = new Option<string?>("--ttl") { Description = "expire after this long: 30s, 5m, 1h" };
        var metadata = new Option<string[]>("--metadata", "-m") { Description = "record metadata key=value (repeatable)", HelpName = "key=value" };
        var command = new Command("write", "Write a record (last write wins) and print its new version") { key, value, ttl, metadata };
        CliAction.Set(command, async (parse, cli, ct) =>
        {
            var text = parse.GetValue(value)!;
            if (text == "-") text = await cli.In.ReadToEndAsync(ct).ConfigureAwait(false);
            TimeSpan? expiry = null;
            if (parse.GetValue(ttl) is { } ttlText)
            {
                if (!MicroDuration.TryParse(ttlText, out var parsed) || parsed <= TimeSpan.Zero)
                    throw CliException.Usage("cli.ttl.malformed", $"--ttl '{ttlText}' is not a positive duration (use 30s, 5m, 1h or 00:00:30)");
                expiry = parsed;
            }
            var meta = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var pair in parse.GetValue(metadata) ?? [])
            {
                var eq = pair.IndexOf('=', StringComparison.Ordinal);
                if (eq <= 0) throw CliException.Usage("cli.metadata.malformed", $"--metadata '{pair}' must be key=value");
                meta[pair[..eq]] = pair[(eq + 1)..];
            }
            var name = parse.GetValue(key)!;
            var version = await cli.Services.Store.WriteAsync(new StoreRecord { Key = name, Value = Encoding.UTF8.GetBytes(text), Metadata = meta },
                new WriteOptions { Ttl = expiry, Database = parse.GetValue(database), Table = parse.GetValue(table) }, ct).ConfigureAwait(false);
            if (cli.Json) cli.WriteJson(new StoreWriteResult(name, version), CliJsonContext.Default.StoreWriteResult);
            else cli.Out.WriteLine($"{name} version {version.ToString(CultureInfo.InvariantCulture)}");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command List(Option<string?> database, Option<string?> table)
    {
        var prefix = new Option<string?>("--prefix") { Description = "keys starting with this" };
        var suffix = new Option<string?>("--suffix") { Description = "keys ending with this" };
        var limit = new Option<int>("--limit") { Description = "at most this many keys (0 = all)" };
        var offset = new Option<int>("--offset") { Description = "skip this many keys first" };
        var command = new Command("list", "List keys in order") { prefix, suffix, limit, offset };
        CliAction.Set(command, async (parse, cli, ct) =>
        {
            var keys = await cli.Services.Store.ListAsync(new ListOptions
            {
                Prefix = parse.GetValue(prefix), Suffix = parse.GetValue(suffix), Limit = parse.GetValue(limit), Offset = parse.GetValue(offset),
                Database = parse.GetValue(database), Table = parse.GetValue(table),
            }, ct).ConfigureAwait(false);
            if (cli.Json) cli.WriteJson(keys, CliJsonContext.Default.IReadOnlyListString);
            else foreach (var k in keys) cli.Out.WriteLine(k);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Delete(Option<string?> database, Option<string?> table)
    {
        var key = new Argument<string>("key") { Description = "the key" };
        var command = new Command("delete", "Delete a record (deleting a missing key is not an error)") { key };
        CliAction.Set(command, async (parse, cli, ct) =>
        {
            var name = parse.GetValue(key)!;
            await cli.Services.Store.DeleteAsync(name, new StoreScope { Database = parse.GetValue(database), Table = parse.GetValue(table) }, ct).ConfigureAwait(false);
            if (cli.Json) cli.WriteJson(new StoreWriteResult(name, 0), CliJsonContext.Default.StoreWriteResult);
            else cli.Out.WriteLine($"{name} deleted");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static StoreRecordView View(StoreRecord record)
    {
        string? text = null, base64 = null;
        try { text = StrictUtf8.GetString(record.Value.Span); }
        catch (DecoderFallbackException) { base64 = Convert.ToBase64String(record.Value.Span); }
        return new StoreRecordView(record.Key, text, base64, record.Metadata, record.Expiry, record.Version);
    }
}
