using Npgsql;

namespace Micro.Postgres.Sync;

/// <summary>
/// One LISTEN connection for a <see cref="PostgresSync"/>, open while some key has waiters: a NOTIFY whose payload is a
/// key wakes that key's waiters. If the connection breaks, every waiter is woken (they try again, and fall back to
/// polling) and the next waiting key opens a new connection.
/// </summary>
internal sealed class ReleaseListener(NpgsqlDataSource dataSource, string channel) : IAsyncDisposable
{
    private readonly Dictionary<string, List<Action>> _keys = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private NpgsqlConnection? _connection;
    private CancellationTokenSource? _stop;
    private Task _loop = Task.CompletedTask;

    /// <summary>Calls <paramref name="released"/> on each NOTIFY for <paramref name="key"/> until the result is disposed.</summary>
    public async Task<IAsyncDisposable> AddAsync(string key, Action released, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_connection is null) await StartAsync(cancellationToken).ConfigureAwait(false);
            lock (_keys)
            {
                if (!_keys.TryGetValue(key, out var actions)) _keys[key] = actions = [];
                actions.Add(released);
            }
            return new Registration(this, key, released);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task StartAsync(CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            connection.Notification += (_, e) => Notify(e.Payload);
            await using (var listen = new NpgsqlCommand($"LISTEN \"{channel}\"", connection))
                await listen.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        _connection = connection;
        _stop = new CancellationTokenSource();
        _loop = ListenAsync(connection, _stop.Token);
    }

    private async Task ListenAsync(NpgsqlConnection connection, CancellationToken stop)
    {
        try
        {
            while (!stop.IsCancellationRequested) await connection.WaitAsync(stop).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Stopped, or the connection broke: in both cases the waiters try again now.
        }
        finally
        {
            List<Action> everyone;
            lock (_keys) everyone = [.. _keys.Values.SelectMany(a => a)];
            foreach (var wake in everyone) wake();
            await _gate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
            try
            {
                if (ReferenceEquals(_connection, connection)) _connection = null;
            }
            finally
            {
                _gate.Release();
            }
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    private void Notify(string key)
    {
        Action[] actions;
        lock (_keys)
        {
            if (!_keys.TryGetValue(key, out var list)) return;
            actions = [.. list];
        }
        foreach (var wake in actions) wake();
    }

    private async ValueTask RemoveAsync(string key, Action released)
    {
        bool idle;
        lock (_keys)
        {
            if (_keys.TryGetValue(key, out var actions) && actions.Remove(released) && actions.Count == 0) _keys.Remove(key);
            idle = _keys.Count == 0;
        }
        if (idle) await StopAsync().ConfigureAwait(false);
    }

    private async Task StopAsync()
    {
        await _gate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        Task loop;
        try
        {
            lock (_keys) if (_keys.Count > 0) return; // a new waiter came in the meantime
            if (_stop is null) return;
            await _stop.CancelAsync().ConfigureAwait(false);
            _stop.Dispose();
            _stop = null;
            loop = _loop;
        }
        finally
        {
            _gate.Release();
        }
        await loop.ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        lock (_keys) _keys.Clear();
        await StopAsync().ConfigureAwait(false);
    }

    private sealed class Registration(ReleaseListener owner, string key, Action released) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => owner.RemoveAsync(key, released);
    }
}
