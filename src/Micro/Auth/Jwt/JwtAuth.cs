using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Micro.Errors;
using Micro.Store;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Micro.Auth.Jwt;

/// <summary>
/// The default <see cref="IAuth"/>: ES256 JWTs with a key id, accounts, rules and signing keys in the
/// Micro store (a PostgreSQL or Redis store shares them between nodes). Validation pins the algorithm,
/// issuer, audience and token type, allows at most 30 s of clock skew, requires <c>exp</c>, and finds
/// keys only by <c>kid</c> in the local key set. Validated access tokens are cached until they
/// expire; rules are compiled into a <see cref="RuleSet"/>. Rules and keys are re-read every
/// <see cref="AuthOptions.RefreshInterval"/>.
/// </summary>
public sealed partial class JwtAuth : IAuth
{
    /// <summary>JWT <c>typ</c> of access tokens (RFC 9068).</summary>
    public const string AccessTokenType = "at+jwt";

    /// <summary>JWT <c>typ</c> of refresh tokens: never accepted as an access token, nor the other way round.</summary>
    public const string RefreshTokenType = "rt+jwt";

    private const string AccountsTable = "auth_accounts";
    private const string RulesTable = "auth_rules";
    private const string KeysTable = "auth_keys";
    private const int MaxIdLength = 256;
    private static readonly TimeSpan UnknownKidReloadPause = TimeSpan.FromSeconds(1);

    private readonly IStore _store;
    private readonly AuthOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly JsonWebTokenHandler _handler;
    private readonly TokenCache _cache;
    private readonly ConcurrentDictionary<string, TokenValidationParameters> _accessParameters = new(StringComparer.Ordinal);
    private readonly TokenValidationParameters _refreshParameters;
    private readonly SemaphoreSlim _reloadGate = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private volatile RuleSet? _rules;
    private volatile SigningKeySet _keys = SigningKeySet.Empty;
    private string _rulesFingerprint = "";
    private long _lastKidReloadTicks = long.MinValue / 2;
    private Task? _loaded;
    private Task? _refreshLoop;

    /// <summary>Auth over <paramref name="store"/> (shared by every node that should trust each other); nothing is read until first use or <see cref="StartAsync"/>.</summary>
    public JwtAuth(IStore store, AuthOptions? options = null, TimeProvider? time = null, ILogger<JwtAuth>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        _store = store;
        _options = options ?? new AuthOptions();
        _options.ThrowIfInvalid();
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger<JwtAuth>.Instance;
        _handler = new JsonWebTokenHandler { MaximumTokenSizeInBytes = _options.MaxTokenSize, SetDefaultTimesOnTokenCreation = false };
        _cache = new TokenCache(_options.TokenCacheSize, _time);
        _refreshParameters = Parameters(_options.Issuer, RefreshTokenType);
    }

    /// <inheritdoc />
    public string Name => "jwt";

    /// <summary>Validated access tokens currently cached.</summary>
    public int CachedTokens => _cache.Count;

    /// <summary>Loads rules and keys (creating the first signing key if the store has none) and starts the periodic reload. Idempotent.</summary>
    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        var loaded = LazyInitializer.EnsureInitialized(ref _loaded, () => LoadFirstAsync());
        return loaded.WaitAsync(cancellationToken);
    }

    private async Task LoadFirstAsync()
    {
        await ReloadAsync(_stop.Token).ConfigureAwait(false);
        _refreshLoop = RefreshLoopAsync(_stop.Token);
    }

    private ValueTask EnsureStartedAsync(CancellationToken cancellationToken) =>
        _loaded is { IsCompletedSuccessfully: true } ? default : new ValueTask(StartOrRetryAsync(cancellationToken));

    private Task StartOrRetryAsync(CancellationToken cancellationToken)
    {
        // A first load that failed (store down) is retried by the next caller rather than remembered.
        if (_loaded is { IsFaulted: true } failed) Interlocked.CompareExchange(ref _loaded, null, failed);
        return StartAsync(cancellationToken);
    }

    private async Task RefreshLoopAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_options.RefreshInterval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                try { await ReloadAsync(cancellationToken).ConfigureAwait(false); }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // Keep serving with the last rules and keys; the next tick tries again.
                    Log.ReloadFailed(_logger, e.GetType().Name);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested) { }
    }

    /// <summary>Re-reads rules and keys from the store now, and rotates the signing key when it is due.</summary>
    public async Task ReloadAsync(CancellationToken cancellationToken = default)
    {
        await _reloadGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var rules = await _store.ReadAsync("", new ReadOptions { Prefix = true, Database = _options.Database, Table = RulesTable }, cancellationToken).ConfigureAwait(false);
            var fingerprint = string.Join(',', rules.Select(r => $"{r.Key}@{r.Version}"));
            if (_rules is null || fingerprint != _rulesFingerprint)
            {
                _rules = new RuleSet(rules.Select(r => Decode(r.Value, AuthJsonContext.Default.Rule)).OfType<Rule>());
                _rulesFingerprint = fingerprint;
            }

            var now = _time.GetUtcNow();
            var keys = await ReadKeysAsync(now, cancellationToken).ConfigureAwait(false);
            // Rotate ahead of time, so the new key is in every node's set before it must sign alone.
            if (keys.Signing is null || keys.SigningUntil - now < _options.RefreshInterval * 2)
            {
                var record = SigningKeySet.Generate(now, _options.KeyRotationInterval, _options.RefreshTokenLifetime + _options.ClockSkew);
                await WriteAsync(KeysTable, record.Kid, record, AuthJsonContext.Default.KeyRecord, record.ValidUntil, cancellationToken).ConfigureAwait(false);
                Log.KeyCreated(_logger, record.Kid);
                keys = await ReadKeysAsync(now, cancellationToken).ConfigureAwait(false);
            }
            SetKeys(keys);
        }
        finally
        {
            _reloadGate.Release();
        }
    }

    private async Task<SigningKeySet> ReadKeysAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var records = await _store.ReadAsync("", new ReadOptions { Prefix = true, Database = _options.Database, Table = KeysTable }, cancellationToken).ConfigureAwait(false);
        return new SigningKeySet(records.Select(r => Decode(r.Value, AuthJsonContext.Default.KeyRecord)).OfType<KeyRecord>(), now);
    }

    private void SetKeys(SigningKeySet keys)
    {
        var previous = _keys;
        _keys = keys;
        // A key that went away takes its tokens with it, cached or not.
        if (previous.Fingerprint != keys.Fingerprint) _cache.Clear();
    }

    /// <summary>Starts signing with a new key now; the previous keys keep validating the tokens they signed until those expire.</summary>
    public async Task<string> RotateKeyAsync(CancellationToken cancellationToken = default)
    {
        await EnsureStartedAsync(cancellationToken).ConfigureAwait(false);
        var now = _time.GetUtcNow();
        var record = SigningKeySet.Generate(now, _options.KeyRotationInterval, _options.RefreshTokenLifetime + _options.ClockSkew);
        await WriteAsync(KeysTable, record.Kid, record, AuthJsonContext.Default.KeyRecord, record.ValidUntil, cancellationToken).ConfigureAwait(false);
        Log.KeyCreated(_logger, record.Kid);
        await ReloadAsync(cancellationToken).ConfigureAwait(false);
        return record.Kid;
    }

    /// <summary>Removes a key: every token it signed is refused from now on (on other nodes within <see cref="AuthOptions.RefreshInterval"/>).</summary>
    public async Task RemoveKeyAsync(string kid, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(kid);
        await _store.DeleteAsync(kid, new StoreScope { Database = _options.Database, Table = KeysTable }, cancellationToken).ConfigureAwait(false);
        Log.KeyRemoved(_logger, kid);
        await ReloadAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The kids this node validates with, the signing one first.</summary>
    public IReadOnlyList<string> KeyIds
    {
        get
        {
            var keys = _keys;
            return keys.Records.Select(r => r.Kid).OrderBy(k => k == keys.Signing?.KeyId ? 0 : 1).ToList();
        }
    }

    /// <inheritdoc />
    public async ValueTask<Account> GenerateAsync(string id, string type, IReadOnlyList<string>? scopes = null,
        IReadOnlyDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default)
    {
        CheckId(id, "account id");
        ArgumentException.ThrowIfNullOrWhiteSpace(type);
        var scopeList = CheckScopes(scopes);
        var secret = Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(32));
        var record = new AccountRecord
        {
            Id = id, Type = type, Scopes = scopeList,
            Metadata = metadata is null ? [] : new Dictionary<string, string>(metadata),
            SecretHash = HashSecret(secret),
        };
        await WriteAsync(AccountsTable, id, record, AuthJsonContext.Default.AccountRecord, null, cancellationToken).ConfigureAwait(false);
        return record.ToAccount() with { Secret = secret };
    }

    /// <inheritdoc />
    public ValueTask DeleteAccountAsync(string id, CancellationToken cancellationToken = default)
    {
        CheckId(id, "account id");
        return _store.DeleteAsync(id, new StoreScope { Database = _options.Database, Table = AccountsTable }, cancellationToken);
    }

    /// <summary>
    /// Tokens for the service account <paramref name="service"/>, creating the account if the store has
    /// none (scopes <c>service</c> and <c>service:NAME</c>; an existing account keeps its scopes). For a
    /// service's own start-up: a process holding the shared store is trusted to mint its own identity.
    /// </summary>
    public async ValueTask<AuthToken> IssueServiceTokenAsync(string service, CancellationToken cancellationToken = default)
    {
        CheckId(service, "service name");
        await EnsureStartedAsync(cancellationToken).ConfigureAwait(false);
        var account = await ReadAccountAsync(service, cancellationToken).ConfigureAwait(false);
        if (account is null)
        {
            account = new AccountRecord { Id = service, Type = Account.ServiceType, Scopes = ["service", "service:" + service] };
            try
            {
                await WriteAsync(AccountsTable, service, account, AuthJsonContext.Default.AccountRecord, null, cancellationToken, ifVersion: 0).ConfigureAwait(false);
            }
            catch (StoreConflictException)
            {
                // Another node of the service created it first: use theirs.
                account = await ReadAccountAsync(service, cancellationToken).ConfigureAwait(false) ?? throw Unauthorized("service account vanished");
            }
        }
        return Issue(account.ToAccount(), [service], null);
    }

    /// <inheritdoc />
    public async ValueTask<AuthToken> TokenAsync(TokenRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Audiences is null || request.Audiences.Count == 0 || request.Audiences.Any(string.IsNullOrWhiteSpace))
            throw MicroException.BadRequest(ErrorCodes.Unauthorized, "a token request names at least one audience (the services to call)");
        if (request.Lifetime is { } lifetime && (lifetime <= TimeSpan.Zero || lifetime > _options.AccessTokenLifetime))
            throw MicroException.BadRequest(ErrorCodes.Unauthorized, $"access token lifetime must be positive and at most {_options.AccessTokenLifetime}");
        await EnsureStartedAsync(cancellationToken).ConfigureAwait(false);

        string id;
        if (request.RefreshToken is not null)
        {
            if (request.RefreshToken.Length > _options.MaxTokenSize) throw Rejected("refresh", "oversized");
            var result = await _handler.ValidateTokenAsync(request.RefreshToken, _refreshParameters).ConfigureAwait(false);
            if (!result.IsValid) throw Rejected("refresh", Reason(result.Exception));
            id = ((JsonWebToken)result.SecurityToken).Subject;
        }
        else if (request.Id is not null && request.Secret is not null)
        {
            id = request.Id;
        }
        else
        {
            throw MicroException.BadRequest(ErrorCodes.Unauthorized, "a token request carries credentials (id and secret) or a refresh token");
        }

        var account = await ReadAccountAsync(id, cancellationToken).ConfigureAwait(false);
        if (account is null || (request.RefreshToken is null && !SecretMatches(account, request.Secret!)))
        {
            // One answer for an unknown account and a wrong secret: no probing for account names.
            Log.CredentialsRejected(_logger, request.RefreshToken is null ? "credentials" : "refresh token");
            throw Unauthorized("invalid credentials");
        }
        return Issue(account.ToAccount(), request.Audiences, request.Lifetime);
    }

    private AuthToken Issue(Account account, IReadOnlyList<string> audiences, TimeSpan? lifetime)
    {
        var key = _keys.Signing ?? throw MicroException.Unavailable(ErrorCodes.Unavailable, "auth has no signing key yet");
        var now = _time.GetUtcNow();
        var expiry = now + (lifetime ?? _options.AccessTokenLifetime);
        var refreshExpiry = now + _options.RefreshTokenLifetime;
        return new AuthToken
        {
            AccessToken = CreateJwt(key, account, AccessTokenType, audiences, now, expiry),
            RefreshToken = CreateJwt(key, account, RefreshTokenType, [_options.Issuer], now, refreshExpiry),
            Expiry = expiry,
            RefreshExpiry = refreshExpiry,
        };
    }

    private string CreateJwt(SecurityKey key, Account account, string type, IReadOnlyList<string> audiences, DateTimeOffset now, DateTimeOffset expires)
    {
        var descriptor = new SecurityTokenDescriptor
        {
            // Every call carries the token (HTTP/2 clients here do not index request headers), so it is
            // kept small: no iat or jti, which nothing checks.
            Issuer = _options.Issuer,
            NotBefore = now.UtcDateTime,
            Expires = expires.UtcDateTime,
            TokenType = type,
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.EcdsaSha256),
            Claims = new Dictionary<string, object>
            {
                [JwtRegisteredClaimNames.Sub] = account.Id,
                ["scope"] = string.Join(' ', account.Scopes),
            },
        };
        if (account.Type != Account.UserType) descriptor.Claims["acct"] = account.Type;
        foreach (var audience in audiences) descriptor.Audiences.Add(audience);
        return _handler.CreateToken(descriptor);
    }

    /// <inheritdoc />
    public ValueTask<Account> InspectAsync(string accessToken, string audience, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(accessToken);
        ArgumentException.ThrowIfNullOrEmpty(audience);
        if (accessToken.Length > _options.MaxTokenSize) throw Rejected(audience, "oversized");
        if (_cache.TryGet(accessToken, audience, out var cached)) return ValueTask.FromResult(cached);
        return ValidateAsync(accessToken, audience, cancellationToken);
    }

    /// <summary>The hot path: a token validated before and not yet expired, looked up without copying it out of the header.</summary>
    internal bool TryGetCached(ReadOnlySpan<char> token, string audience, out Account account)
    {
        account = null!;
        return token.Length <= _options.MaxTokenSize && _cache.TryGet(token, audience, out account);
    }

    private async ValueTask<Account> ValidateAsync(string token, string audience, CancellationToken cancellationToken)
    {
        await EnsureStartedAsync(cancellationToken).ConfigureAwait(false);
        var parameters = AccessParameters(audience);
        var result = await _handler.ValidateTokenAsync(token, parameters).ConfigureAwait(false);
        if (!result.IsValid && result.Exception is SecurityTokenSignatureKeyNotFoundException && ReloadAllowed())
        {
            // A key another node created since our last reload: read the key set once more (rate-limited).
            await ReloadAsync(cancellationToken).ConfigureAwait(false);
            result = await _handler.ValidateTokenAsync(token, parameters).ConfigureAwait(false);
        }
        if (!result.IsValid) throw Rejected(audience, Reason(result.Exception));
        var jwt = (JsonWebToken)result.SecurityToken;
        var account = new Account
        {
            Id = jwt.Subject,
            Type = jwt.TryGetPayloadValue<string>("acct", out var type) ? type : Account.UserType,
            Scopes = jwt.TryGetPayloadValue<string>("scope", out var scope) && scope.Length > 0 ? scope.Split(' ') : [],
        };
        _cache.Add(token, audience, account, new DateTimeOffset(jwt.ValidTo, TimeSpan.Zero));
        return account;
    }

    private bool ReloadAllowed()
    {
        var now = _time.GetUtcNow().UtcTicks;
        // Only reloads for unknown kids count: a flood of forged kids costs one store read a second.
        var last = Interlocked.Read(ref _lastKidReloadTicks);
        return now - last >= UnknownKidReloadPause.Ticks && Interlocked.CompareExchange(ref _lastKidReloadTicks, now, last) == last;
    }

    private TokenValidationParameters AccessParameters(string audience)
    {
        if (_accessParameters.TryGetValue(audience, out var cached)) return cached;
        var parameters = Parameters(audience, AccessTokenType);
        if (_accessParameters.Count < 256) _accessParameters.TryAdd(audience, parameters);
        return parameters;
    }

    /// <summary>Everything pinned: one algorithm, issuer, audience, type; exp required; keys only by kid from our set.</summary>
    private TokenValidationParameters Parameters(string audience, string type) => new()
    {
        ValidAlgorithms = [SecurityAlgorithms.EcdsaSha256],
        ValidateIssuer = true,
        ValidIssuer = _options.Issuer,
        ValidateAudience = true,
        RequireAudience = true,
        ValidAudience = audience,
        ValidTypes = [type],
        ValidateLifetime = true,
        RequireExpirationTime = true,
        RequireSignedTokens = true,
        ClockSkew = _options.ClockSkew,
        // Our clock, not DateTime.UtcNow, so exp/nbf follow the same time as issuing and the cache.
        LifetimeValidator = ValidateLifetime,
        TryAllIssuerSigningKeys = false,
        ValidateIssuerSigningKey = false,
        IssuerSigningKeyResolver = (_, _, kid, _) => _keys.TryGet(kid, out var key) ? [key] : [],
        SaveSigninToken = false,
        LogTokenId = false,
        LogValidationExceptions = false,
    };

    private bool ValidateLifetime(DateTime? notBefore, DateTime? expires, SecurityToken token, TokenValidationParameters parameters)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        if (expires is null) throw new SecurityTokenNoExpirationException("no exp");
        if (notBefore is { } nbf && nbf > expires) throw new SecurityTokenInvalidLifetimeException("nbf after exp");
        if (notBefore is { } start && start > now + parameters.ClockSkew) throw new SecurityTokenNotYetValidException("nbf in the future");
        if (expires.Value < now - parameters.ClockSkew) throw new SecurityTokenExpiredException("expired");
        return true;
    }

    /// <inheritdoc />
    public async ValueTask GrantAsync(Rule rule, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rule);
        CheckId(rule.Id, "rule id");
        ArgumentNullException.ThrowIfNull(rule.Resource);
        if (rule.Scope is null || rule.Scope.Contains(' ')) throw new ArgumentException("a rule's scope is \"\", \"*\" or one scope name without spaces", nameof(rule));
        if (string.IsNullOrEmpty(rule.Resource.Type) || string.IsNullOrEmpty(rule.Resource.Name) || string.IsNullOrEmpty(rule.Resource.Endpoint))
            throw new ArgumentException("a rule's resource type, name and endpoint are each a value or \"*\"", nameof(rule));
        await EnsureStartedAsync(cancellationToken).ConfigureAwait(false);
        await WriteAsync(RulesTable, rule.Id, rule, AuthJsonContext.Default.Rule, null, cancellationToken).ConfigureAwait(false);
        await ReloadAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask RevokeAsync(string ruleId, CancellationToken cancellationToken = default)
    {
        CheckId(ruleId, "rule id");
        await EnsureStartedAsync(cancellationToken).ConfigureAwait(false);
        await _store.DeleteAsync(ruleId, new StoreScope { Database = _options.Database, Table = RulesTable }, cancellationToken).ConfigureAwait(false);
        await ReloadAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<Rule>> ListRulesAsync(CancellationToken cancellationToken = default)
    {
        await EnsureStartedAsync(cancellationToken).ConfigureAwait(false);
        await ReloadAsync(cancellationToken).ConfigureAwait(false);
        return _rules!.Rules;
    }

    /// <summary>Checks against the rules as last loaded (all denied before the first load).</summary>
    public AccessDecision Verify(Account? account, Resource resource) => (_rules ?? RuleSet.Empty).Verify(account, resource);

    /// <summary>The compiled rules as last loaded.</summary>
    internal RuleSet CurrentRules => _rules ?? RuleSet.Empty;

    /// <summary>Whether rules and keys have been loaded once.</summary>
    public bool IsReady => _loaded is { IsCompletedSuccessfully: true };

    /// <summary>Waits for the first load of rules and keys; middleware calls it before <see cref="Verify"/>.</summary>
    public ValueTask ReadyAsync(CancellationToken cancellationToken = default) => EnsureStartedAsync(cancellationToken);

    private async ValueTask<AccountRecord?> ReadAccountAsync(string id, CancellationToken cancellationToken)
    {
        if (id.Length is 0 or > MaxIdLength) return null;
        var records = await _store.ReadAsync(id, new ReadOptions { Database = _options.Database, Table = AccountsTable }, cancellationToken).ConfigureAwait(false);
        return records.Count == 0 ? null : Decode(records[0].Value, AuthJsonContext.Default.AccountRecord);
    }

    private async ValueTask WriteAsync<T>(string table, string key, T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type,
        DateTimeOffset? expiry, CancellationToken cancellationToken, long? ifVersion = null)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(value, type);
        await _store.WriteAsync(new StoreRecord { Key = key, Value = bytes, Expiry = expiry },
            new WriteOptions { Database = _options.Database, Table = table, IfVersion = ifVersion }, cancellationToken).ConfigureAwait(false);
    }

    private T? Decode<T>(ReadOnlyMemory<byte> value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) where T : class
    {
        try { return JsonSerializer.Deserialize(value.Span, type); }
        catch (JsonException)
        {
            // A corrupt record denies rather than breaks: it is skipped (so a bad rule grants nothing).
            Log.CorruptRecord(_logger, typeof(T).Name);
            return null;
        }
    }

    private static string HashSecret(string secret) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    private static bool SecretMatches(AccountRecord account, string secret)
    {
        if (account.SecretHash is null || secret.Length > 1024) return false;
        var expected = Encoding.ASCII.GetBytes(account.SecretHash);
        var actual = Encoding.ASCII.GetBytes(HashSecret(secret));
        return CryptographicOperations.FixedTimeEquals(expected, actual);
    }

    private static void CheckId(string id, string what)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        if (id.Length > MaxIdLength) throw new ArgumentException($"{what} is longer than {MaxIdLength} characters");
    }

    private static List<string> CheckScopes(IReadOnlyList<string>? scopes)
    {
        var list = scopes?.ToList() ?? [];
        foreach (var scope in list)
            if (string.IsNullOrWhiteSpace(scope) || scope.Contains(' ') || scope == Rule.AnyAccountScope)
                throw new ArgumentException($"scope '{scope}' must be a name without spaces, and not \"*\"");
        return list;
    }

    /// <summary>A 401 that says what was wrong in words, never the token; logged here, once per rejection.</summary>
    private MicroException Rejected(string audience, string reason)
    {
        Log.TokenRejected(_logger, audience, reason);
        return Unauthorized($"invalid token: {reason}");
    }

    internal static MicroException Unauthorized(string detail) => new(ErrorCodes.Unauthorized, 401, detail);

    /// <summary>The library's failure as a short reason (its messages may quote the token).</summary>
    private static string Reason(Exception? e) => e switch
    {
        SecurityTokenExpiredException => "expired",
        SecurityTokenNotYetValidException => "not yet valid",
        SecurityTokenNoExpirationException => "no expiry",
        SecurityTokenInvalidLifetimeException => "invalid lifetime",
        SecurityTokenInvalidAudienceException => "wrong audience",
        SecurityTokenInvalidIssuerException => "wrong issuer",
        SecurityTokenInvalidTypeException => "wrong token type",
        SecurityTokenInvalidAlgorithmException => "algorithm not allowed",
        SecurityTokenSignatureKeyNotFoundException => "unknown key id",
        SecurityTokenInvalidSignatureException => "bad signature",
        SecurityTokenMalformedException => "malformed",
        ArgumentException => "malformed",
        null => "invalid",
        _ => e.GetType().Name,
    };

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_stop.IsCancellationRequested) return;
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_refreshLoop is not null) await _refreshLoop.ConfigureAwait(false);
        _stop.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Auth rejected a token for {Audience}: {Reason}")]
        public static partial void TokenRejected(ILogger logger, string audience, string reason);

        [LoggerMessage(2, LogLevel.Warning, "Auth rejected {What}")]
        public static partial void CredentialsRejected(ILogger logger, string what);

        [LoggerMessage(3, LogLevel.Information, "Auth created signing key {Kid}")]
        public static partial void KeyCreated(ILogger logger, string kid);

        [LoggerMessage(4, LogLevel.Warning, "Auth removed signing key {Kid}: tokens it signed are refused")]
        public static partial void KeyRemoved(ILogger logger, string kid);

        [LoggerMessage(5, LogLevel.Warning, "Auth could not reload rules and keys ({Error}); keeping the last ones")]
        public static partial void ReloadFailed(ILogger logger, string error);

        [LoggerMessage(6, LogLevel.Error, "Auth skipped a corrupt {Kind} record in the store")]
        public static partial void CorruptRecord(ILogger logger, string kind);
    }
}
