using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Micro.Auth;
using Micro.Auth.Jwt;
using Micro.Store;
using Micro.Tests.Rpc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Tokens;

namespace Micro.Tests.Auth;

/// <summary>Collects every log entry of a service, to check what auth logs (once per rejection, never a token).</summary>
internal sealed class LogCapture : ILoggerProvider
{
    public ConcurrentQueue<(string Category, LogLevel Level, string Message)> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose() { }

    /// <summary>Warnings and errors from auth's own classes.</summary>
    public List<string> AuthWarnings() =>
        Entries.Where(e => e.Category.StartsWith("Micro.Auth", StringComparison.Ordinal) && e.Level >= LogLevel.Warning).Select(e => e.Message).ToList();

    public void Clear() => Entries.Clear();

    private sealed class Logger(LogCapture owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Entries.Enqueue((category, logLevel, formatter(state, exception) + (exception is null ? "" : " " + exception)));
    }
}

/// <summary>Hand-made JWTs: what an attacker can send.</summary>
internal static class Forge
{
    public static string B64(string json) => Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes(json));
    public static string B64(byte[] bytes) => Base64UrlEncoder.Encode(bytes);

    public static long Now => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    /// <summary>A payload like the ones auth issues, with every claim overridable (null removes it).</summary>
    public static string Payload(string aud, string? iss = "micro", long? exp = 0, long? nbf = 0, string sub = "ada", string scope = "")
    {
        var o = new JsonObject { ["sub"] = sub, ["aud"] = aud, ["scope"] = scope, ["acct"] = "user", ["iat"] = Now };
        if (iss is not null) o["iss"] = iss;
        if (exp is not null) o["exp"] = exp == 0 ? Now + 300 : exp;
        if (nbf is not null) o["nbf"] = nbf == 0 ? Now - 5 : nbf;
        return o.ToJsonString();
    }

    public static string Header(string alg, string? kid, string typ = JwtAuth.AccessTokenType, string extra = "") =>
        "{" + $"\"alg\":\"{alg}\",\"typ\":\"{typ}\"" + (kid is null ? "" : $",\"kid\":\"{kid}\"") + extra + "}";

    public static string SignEs256(ECDsa key, string header, string payload)
    {
        var input = B64(header) + "." + B64(payload);
        return input + "." + B64(key.SignData(Encoding.ASCII.GetBytes(input), HashAlgorithmName.SHA256));
    }

    public static string Unsigned(string header, string payload) => B64(header) + "." + B64(payload) + ".";

    /// <summary>The real signing keys, as an attacker who stole nothing does not have them: only the test reads them from the store.</summary>
    public static async Task<(string Kid, ECDsa Key, byte[] PublicBytes)> StoredKeyAsync(IStore store, string database)
    {
        var records = await store.ReadAsync("", new ReadOptions { Prefix = true, Database = database, Table = "auth_keys" });
        using var doc = JsonDocument.Parse(records[0].Value);
        var root = doc.RootElement;
        var x = Base64UrlEncoder.DecodeBytes(root.GetProperty("x").GetString());
        var y = Base64UrlEncoder.DecodeBytes(root.GetProperty("y").GetString());
        var ecdsa = ECDsa.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            D = Base64UrlEncoder.DecodeBytes(root.GetProperty("d").GetString()),
            Q = new ECPoint { X = x, Y = y },
        });
        return (root.GetProperty("kid").GetString()!, ecdsa, [0x04, .. x, .. y]);
    }
}

/// <summary>Auth-enabled services on loopback sharing one store (what a shared Postgres/Redis store gives separate nodes).</summary>
internal static class AuthCluster
{
    public static Task<MicroApp> StartAsync(TestCluster cluster, IStore store, string service, Action<MicroServiceBuilder> handlers,
        LogCapture? logs = null, string database = "micro", TimeSpan? refresh = null) =>
        cluster.StartNodeAsync(service, b =>
        {
            b.Services.AddSingleton(store);
            b.Services.UseJwtAuth(o =>
            {
                o.Database = database;
                o.RefreshInterval = refresh ?? TimeSpan.FromSeconds(1);
            });
            if (logs is not null) b.Logging.AddProvider(logs).SetMinimumLevel(LogLevel.Information);
            handlers(b);
        });
}
