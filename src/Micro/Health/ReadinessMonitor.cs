using Micro.Server.Internal;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Micro.Health;

/// <summary>
/// Keeps this node's <see cref="Readiness"/>: not serving before registration and from the moment shutdown begins
/// (deregistration and draining), nor while a readiness check fails. The registered <see cref="IHealthCheck"/>s run on
/// an interval here, not per probe, so a flood of probes costs nothing and Watch streams see each change once.
/// </summary>
internal sealed class ReadinessMonitor : IHostedLifecycleService, IDisposable
{
    private readonly ServerState _state;
    private readonly HealthCheckService _checks;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly HealthOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopped = new();
    private readonly Lock _lock = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Readiness _current = new(false, "starting");
    private HealthReport? _report;
    private CancellationTokenRegistration _stopping;
    private Task? _loop;
    private volatile bool _shuttingDown;

    public ReadinessMonitor(ServerState state, HealthCheckService checks, IHostApplicationLifetime lifetime, IOptions<HealthOptions> options,
        TimeProvider time, ILogger<ReadinessMonitor> logger)
    {
        _state = state;
        _checks = checks;
        _lifetime = lifetime;
        _options = options.Value;
        _time = time;
        _logger = logger;
    }

    public Readiness Current => _current;

    /// <summary>Completes at the next change of <see cref="Current"/>; read it before reading <see cref="Current"/>.</summary>
    public Task Changed => _changed.Task;

    /// <summary>
    /// Fires when the host stops the listener, after draining (ApplicationStopping comes after every StoppingAsync):
    /// Watch streams end with OK then, instead of being reset by the closing listener.
    /// </summary>
    public CancellationToken Stopped => _lifetime.ApplicationStopping;

    /// <summary>The last round of readiness checks (null before the first).</summary>
    public HealthReport? LastReport => _report;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _state.Changed += Recompute;
        _stopping = _lifetime.ApplicationStopping.Register(Recompute);
        _loop = Task.Run(() => CheckLoopAsync(_stopped.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    private async Task CheckLoopAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_options.CheckInterval, _time);
        do
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_options.CheckTimeout);
            try
            {
                _report = await _checks.CheckHealthAsync(IsReadinessCheck, timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (OperationCanceledException)
            {
                _report = new HealthReport(new Dictionary<string, HealthReportEntry>
                {
                    ["timeout"] = new(HealthStatus.Unhealthy, $"checks took longer than {_options.CheckTimeout}", _options.CheckTimeout, null, null),
                }, _options.CheckTimeout);
            }
            Recompute();
            try { if (!await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false)) return; }
            catch (OperationCanceledException) { return; }
        }
        while (true);
    }

    /// <summary>Checks tagged "live" only decide liveness; every other check decides readiness.</summary>
    internal static bool IsReadinessCheck(HealthCheckRegistration registration) => !registration.Tags.Contains(HealthTags.Live) || registration.Tags.Contains(HealthTags.Ready);

    private void Recompute()
    {
        var next = Evaluate();
        TaskCompletionSource changed;
        lock (_lock)
        {
            if (next == _current) return;
            _current = next;
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        HealthLog.ReadinessChanged(_logger, next.Serving ? "SERVING" : "NOT_SERVING", next.Reason);
        changed.TrySetResult();
    }

    private Readiness Evaluate()
    {
        if (_shuttingDown || _lifetime.ApplicationStopping.IsCancellationRequested || _state.Draining) return new(false, "draining");
        if (!_state.Registered) return new(false, "not registered");
        var report = _report;
        if (report is null) return new(false, "checks not run yet");
        foreach (var (name, entry) in report.Entries)
            if (entry.Status == HealthStatus.Unhealthy) return new(false, $"check {name} unhealthy: {entry.Description}");
        return new(true, "serving");
    }

    /// <summary>
    /// The first step of shutdown (lifecycle services stop in reverse order, so this runs before the registration
    /// service deregisters and drains): readiness turns false at once, while the node still answers.
    /// </summary>
    public Task StoppingAsync(CancellationToken cancellationToken)
    {
        _shuttingDown = true;
        Recompute();
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopped.CancelAsync().ConfigureAwait(false);
        if (_loop is not null) await _loop.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose()
    {
        _state.Changed -= Recompute;
        _stopping.Dispose();
        _stopped.Dispose();
    }
}
