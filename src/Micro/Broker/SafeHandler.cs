namespace Micro.Broker;

/// <summary>For broker implementations: runs a handler so that an exception becomes a failed attempt instead of escaping into a delivery loop.</summary>
public static class SafeHandler
{
    /// <summary>The handler's outcome; an exception is a failed attempt under <paramref name="policy"/>, cancellation a plain retry.</summary>
    public static async ValueTask<DeliveryOutcome> InvokeAsync(BrokerHandler handler, BrokerDelivery delivery, RetryPolicy policy, CancellationToken cancellationToken)
    {
        try
        {
            return await handler(delivery, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Unsubscribing or shutting down mid-handler: the message goes back, it did not fail.
            return DeliveryOutcome.Retry(TimeSpan.Zero, "subscriber stopped");
        }
        catch (Exception e)
        {
            return DeliveryOutcome.Failed(policy, delivery.Attempt, Describe(e));
        }
    }

    /// <summary>How a failure reads in a dead letter's reason.</summary>
    public static string Describe(Exception e) => e.GetType().Name + ": " + e.Message;
}
