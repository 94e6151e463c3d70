using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Micro.Broker.Http;

/// <summary>
/// Puts the HTTP broker's delivery endpoint on the service's own listener, in front of RPC routing. The broker is
/// resolved on the first delivery request, so a service that never uses messaging never opens an outbox.
/// </summary>
internal sealed class BrokerDeliveryMiddleware(RequestDelegate next, IServiceProvider services)
{
    public Task InvokeAsync(HttpContext http)
    {
        if (http.Request.Path.Equals(HttpBroker.DeliveryPath, StringComparison.Ordinal))
        {
            if (services.GetRequiredService<IBroker>() is HttpBroker broker) return broker.ServeDeliveryAsync(http);
            http.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }
        return next(http);
    }
}
