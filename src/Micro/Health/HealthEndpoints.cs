using System.Text.Json;
using Micro.Plugins;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Micro.Health;

/// <summary>
/// Wires health into a service: the readiness monitor, the built-in checks, <c>grpc.health.v1.Health</c> on the RPC
/// port, <c>GET /health/live</c> and <c>GET /health/ready</c> (200 or 503 with a JSON body), and the optional HTTP/1.1
/// probe listener (<see cref="HealthOptions.Address"/>).
/// </summary>
internal static class HealthEndpoints
{
    public const string LivePath = "/health/live";
    public const string ReadyPath = "/health/ready";

    /// <summary>Before the app is built: services, checks, and the probe listener.</summary>
    public static void AddTo(WebApplicationBuilder web)
    {
        web.Services.AddMicroOptions<HealthOptions>("Health");
        var checks = web.Services.AddHealthChecks();
        checks.Add(new HealthCheckRegistration("registry", sp => ActivatorUtilities.CreateInstance<RegistryHealthCheck>(sp), null, [HealthTags.Ready]));
        if (MicroSettings.GetPlugin(web.Configuration, "store") is { } store && !store.Equals("memory", StringComparison.OrdinalIgnoreCase))
            checks.Add(new HealthCheckRegistration("store", sp => ActivatorUtilities.CreateInstance<StoreHealthCheck>(sp), null, [HealthTags.Ready]));
        web.Services.AddSingleton<ReadinessMonitor>();
        web.Services.AddHostedService(sp => sp.GetRequiredService<ReadinessMonitor>());
        web.WebHost.ConfigureKestrel(kestrel =>
        {
            var options = kestrel.ApplicationServices.GetRequiredService<IOptions<HealthOptions>>().Value;
            if (!options.Enabled || options.Address is null) return;
            var (ip, port) = MicroServiceBuilder.ParseAddress(options.Address);
            kestrel.Listen(ip, port, listen => listen.Protocols = HttpProtocols.Http1);
        });
    }

    /// <summary>After the app is built, before Micro's request routing: the probe-port filter and the endpoints.</summary>
    public static void MapTo(WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<HealthOptions>>().Value;
        if (!options.Enabled) return;
        if (options.Address is not null)
        {
            var probePort = MicroServiceBuilder.ParseAddress(options.Address).Port;
            // The probe listener answers health only: no RPC over it, whatever the path.
            app.Use((http, next) => http.Connection.LocalPort == probePort && probePort != 0 && !http.Request.Path.StartsWithSegments("/health")
                ? Results.NotFound().ExecuteAsync(http) : next(http));
        }
        app.MapGrpcService<HealthService>();
        app.MapGet(LivePath, LiveAsync);
        app.MapGet(ReadyPath, (HttpContext http) => WriteAsync(http, http.RequestServices.GetRequiredService<ReadinessMonitor>().Current));
    }

    private static async Task LiveAsync(HttpContext http)
    {
        var checks = http.RequestServices.GetRequiredService<HealthCheckService>();
        var report = await checks.CheckHealthAsync(r => r.Tags.Contains(HealthTags.Live), http.RequestAborted).ConfigureAwait(false);
        var failed = report.Entries.FirstOrDefault(e => e.Value.Status == HealthStatus.Unhealthy);
        await WriteAsync(http, failed.Key is null ? new Readiness(true, "alive") : new Readiness(false, $"check {failed.Key} unhealthy: {failed.Value.Description}"))
            .ConfigureAwait(false);
    }

    private static async Task WriteAsync(HttpContext http, Readiness readiness)
    {
        http.Response.StatusCode = readiness.Serving ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable;
        http.Response.ContentType = "application/json";
        http.Response.Headers.CacheControl = "no-store";
        using (var json = new Utf8JsonWriter(http.Response.BodyWriter))
        {
            json.WriteStartObject();
            json.WriteString("status", readiness.Serving ? "SERVING" : "NOT_SERVING");
            json.WriteString("reason", readiness.Reason);
            json.WriteEndObject();
        }
        await http.Response.BodyWriter.FlushAsync(http.RequestAborted).ConfigureAwait(false);
    }
}
