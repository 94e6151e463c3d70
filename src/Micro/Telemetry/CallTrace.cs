namespace Micro.Telemetry;

/// <summary>
/// How the client's unary call path traces a call: a type parameter of the call, so the untraced instantiation
/// compiles to nothing and a traced call needs no async layer of its own around the call (one state machine and one
/// task per call, not two).
/// </summary>
internal interface ICallTrace
{
    /// <summary>Starts the call's span and duration.</summary>
    void Begin(string service, string endpoint);

    /// <summary>Starts an attempt of the call (to <paramref name="node"/>) under the call's span.</summary>
    AttemptScope StartAttempt(ClientTelemetry telemetry, string service, string endpoint, Registry.NodeInfo node, int attempt);

    /// <summary>Ends them with the call's result or error.</summary>
    void End(object? result, Exception? error);
}

/// <summary>Nobody listens, or the middleware pipeline traces the call.</summary>
internal struct NoCallTrace : ICallTrace
{
    public readonly void Begin(string service, string endpoint) { }

    // The call span, if any, is the current activity (the middleware pipeline's).
    public readonly AttemptScope StartAttempt(ClientTelemetry telemetry, string service, string endpoint, Registry.NodeInfo node, int attempt) =>
        telemetry.StartAttempt(service, endpoint, node, attempt);

    public readonly void End(object? result, Exception? error) { }
}

/// <summary>The call span and duration of <see cref="ClientTelemetryMiddleware"/>, run by the call itself.</summary>
internal struct CallTrace(ClientTelemetryMiddleware tracing) : ICallTrace
{
    private CallScope _scope;

    public void Begin(string service, string endpoint) => _scope = tracing.BeginDeferred(service, endpoint);

    public AttemptScope StartAttempt(ClientTelemetry telemetry, string service, string endpoint, Registry.NodeInfo node, int attempt)
    {
        if (attempt == 0) tracing.StartDeferred(ref _scope, node);
        return telemetry.StartAttempt(service, endpoint, node, attempt, _scope.Span);
    }

    // Once: should a listener throw while the span ends on success, the call's error path must not end it again.
    public void End(object? result, Exception? error)
    {
        // A call that failed before its first attempt (no such service, say) still gets its span.
        tracing.StartDeferred(ref _scope, null);
        var scope = _scope;
        _scope = default;
        tracing.End(scope, result, error);
    }
}
