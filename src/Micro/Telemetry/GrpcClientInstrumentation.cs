using System.Diagnostics;

namespace Micro.Telemetry;

/// <summary>
/// Whether anyone listens to grpc-dotnet's own client instrumentation (its <c>Grpc.Net.Client</c> activity source or
/// diagnostic listener). grpc-dotnet starts a <c>Grpc.Net.Client.GrpcOut</c> activity for every call made while
/// <see cref="Activity.Current"/> is set, listened to or not; the client hides its own span during the transport
/// (its traceparent is already in the metadata) so that nobody-listens case costs no third activity per call.
/// </summary>
internal static class GrpcClientInstrumentation
{
    private const string Name = "Grpc.Net.Client";

    // Listeners choose sources by name, so this probe has listeners exactly when grpc-dotnet's source has.
    private static readonly ActivitySource s_probe = new(Name);
    private static DiagnosticListener? s_listener;

    static GrpcClientInstrumentation() => DiagnosticListener.AllListeners.Subscribe(new Finder());

    /// <summary>True when grpc-dotnet's client activities are wanted (then they stay children of Micro's span).</summary>
    public static bool Observed => s_probe.HasListeners() || (s_listener?.IsEnabled() ?? false);

    private sealed class Finder : IObserver<DiagnosticListener>
    {
        public void OnNext(DiagnosticListener value)
        {
            if (value.Name == Name) s_listener = value;
        }

        public void OnCompleted() { }

        public void OnError(Exception error) { }
    }
}
