using Micro.Auth.Jwt;
using Micro.Store;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Micro.Auth;

/// <summary>
/// At start: with auth off, one warning saying so; with auth on, loads rules and keys and signs the
/// service in (its own account), then renews its tokens in the background before they expire.
/// </summary>
internal sealed partial class AuthHostedService(IOptions<AuthOptions> options, IServiceProvider services, TimeProvider time, ILogger<AuthHostedService> logger)
    : IHostedService, IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private Task? _renewal;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        if (!o.Enabled)
        {
            Log.AuthOff(logger, o.Plugin ?? "unset");
            return;
        }
        // Resolved only when auth is on: a service with auth off never opens the store for it.
        var auth = services.GetRequiredService<IAuth>();
        var credentials = services.GetRequiredService<ServiceCredentials>();
        if (services.GetRequiredService<IStore>() is MemoryStore) Log.MemoryStore(logger);
        try
        {
            if (auth is JwtAuth jwt) await jwt.StartAsync(cancellationToken).ConfigureAwait(false);
            await credentials.SignInAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A store that is down must not keep the service from starting: the renewal loop retries,
            // and calls fail with 401 until then.
            Log.SignInFailed(logger, credentials.AccountId, e.GetType().Name, e.Message);
        }
        _renewal = RenewAsync(o, credentials, _stop.Token);
    }

    private async Task RenewAsync(AuthOptions o, ServiceCredentials credentials, CancellationToken cancellationToken)
    {
        // Tokens are renewed at two-thirds of their life; ticking at a sixth leaves room for a failed attempt.
        var tick = TimeSpan.FromTicks(Math.Clamp(o.AccessTokenLifetime.Ticks / 6, TimeSpan.TicksPerSecond, TimeSpan.TicksPerMinute));
        using var timer = new PeriodicTimer(tick, time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                try { await credentials.RenewDueAsync(cancellationToken).ConfigureAwait(false); }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    Log.RenewFailed(logger, credentials.AccountId, e.GetType().Name, e.Message);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested) { }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_renewal is not null) await _renewal.ConfigureAwait(false);
    }

    public ValueTask DisposeAsync()
    {
        _stop.Dispose();
        return default;
    }

    private static partial class Log
    {
        [LoggerMessage(40, LogLevel.Warning, "Auth is off (MICRO_AUTH={Setting}): every caller can call every endpoint and deliver to every subscriber. Set MICRO_AUTH=jwt (with a shared store) to enforce rules")]
        public static partial void AuthOff(ILogger logger, string setting);

        [LoggerMessage(41, LogLevel.Warning, "Auth keeps accounts, rules and keys in the in-memory store: other processes cannot verify this one's tokens. Use a shared store (MICRO_STORE=postgres|redis)")]
        public static partial void MemoryStore(ILogger logger);

        [LoggerMessage(42, LogLevel.Error, "Auth: account {Account} could not sign in ({Error}: {Message}); retrying in the background")]
        public static partial void SignInFailed(ILogger logger, string account, string error, string message);

        [LoggerMessage(43, LogLevel.Warning, "Auth: account {Account} could not renew its tokens ({Error}: {Message}); retrying")]
        public static partial void RenewFailed(ILogger logger, string account, string error, string message);
    }
}
