using System.Buffers;
using System.Collections.Concurrent;
using Micro.Errors;
using Micro.Registry;
using Micro.Server.Internal;
using Microsoft.AspNetCore.Http;

namespace Micro.Broker.Http;

// The subscriber half: registrations in the registry and the delivery endpoint.
public sealed partial class HttpBroker
{
    private readonly ConcurrentDictionary<(string Topic, string Group), HttpSubscription> _subscriptions = new();
    private Task? _heartbeat;
    private int _subscriptionCount;

    /// <inheritdoc/>
    public async Task<ISubscription> SubscribeAsync(string topic, BrokerHandler handler, SubscribeOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handler);
        ArgumentNullException.ThrowIfNull(options);
        TopicName.Validate(topic);
        var group = options.EffectiveGroup(SubscriberId);
        TopicName.ValidateGroup(group);
        var address = Address ?? throw new InvalidOperationException(
            "an HTTP broker subscription needs the service's listener: subscribe with builder.Subscribe, or set HttpBroker.Address");
        await ConnectAsync(cancellationToken).ConfigureAwait(false);
        var metadata = new Dictionary<string, string>
        {
            [SubscriberDirectory.TopicKey] = topic,
            [SubscriberDirectory.GroupKey] = group,
            [SubscriberDirectory.BroadcastKey] = options.Broadcast ? "true" : "false",
            [SubscriberDirectory.ServiceKey] = Service,
        };
        // Publishers with TLS on deliver to the mTLS listener, as RPC clients call it.
        if (TlsAddress is not null) metadata[Identity.MtlsListener.MetadataKey] = TlsAddress;
        var subscription = new HttpSubscription(this, topic, group, handler, options, new NodeInfo
        {
            Id = SubscriberId + "-" + Interlocked.Increment(ref _subscriptionCount),
            Address = address,
            Metadata = metadata,
        });
        if (!_subscriptions.TryAdd((topic, group), subscription))
            throw new InvalidOperationException($"this process already subscribes to {topic} in group {group}");
        await Registry.RegisterAsync(subscription.Registration, new RegisterOptions { Ttl = Options.RegisterTtl }, cancellationToken).ConfigureAwait(false);
        return subscription;
    }

    private async Task HeartbeatAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(Options.RegisterTtl / 3, Time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                foreach (var subscription in _subscriptions.Values)
                {
                    try
                    {
                        await Registry.RegisterAsync(subscription.Registration, new RegisterOptions { Ttl = Options.RegisterTtl }, cancellationToken).ConfigureAwait(false);
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        HttpBrokerLog.RegisterFailed(Logger, subscription.Topic, e);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested) { }
    }

    private async Task UnregisterAllAsync()
    {
        foreach (var subscription in _subscriptions.Values) await subscription.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Serves a delivery request: bounded before decoding (size, item count, header count, body length), each item
    /// handed to its local subscription in order, one reply per item.
    /// </summary>
    public async Task ServeDeliveryAsync(HttpContext http)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (!HttpMethods.IsPost(http.Request.Method)) { http.Response.StatusCode = 405; return; }
        if (!string.Equals(http.Request.ContentType, DeliveryBatch.ContentType, StringComparison.OrdinalIgnoreCase)) { http.Response.StatusCode = 415; return; }
        if (http.Request.ContentLength > MaxRequestBytes) { http.Response.StatusCode = 413; return; }
        // Auth first, from the header alone: a publisher without a valid token does not get its body read.
        Auth.Account? publisher = null;
        if (SubscriberCheck is { } check)
        {
            try { publisher = await check.AuthenticateAsync(Service, http.Request.Headers.Authorization, http.RequestAborted).ConfigureAwait(false); }
            catch (MicroException e) when (e.Code is 401 or 403)
            {
                await RefuseAsync(http, e).ConfigureAwait(false);
                return;
            }
        }
        List<DeliveryItem> items;
        try
        {
            var body = await ReadBoundedAsync(http.Request.Body, MaxRequestBytes, http.RequestAborted).ConfigureAwait(false);
            items = DeliveryBatch.ReadRequest(body, Math.Max(Options.BatchSize, 10_000), Options.MaxMessageSize);
        }
        catch (InvalidDataException e)
        {
            HttpBrokerLog.RefusedRequest(Logger, e.Message);
            http.Response.StatusCode = 413;
            return;
        }
        catch (MicroException e)
        {
            HttpBrokerLog.RefusedRequest(Logger, e.Detail);
            http.Response.StatusCode = 400;
            return;
        }
        if (SubscriberCheck is { } rules)
        {
            // Every topic in the request must be open to the publisher before any handler runs (a publisher batches one
            // topic per request, so this is one check).
            try
            {
                string? checkedTopic = null;
                foreach (var item in items)
                {
                    if (item.Message.Topic == checkedTopic) continue;
                    rules.Authorize(publisher, item.Message.Topic, Service);
                    checkedTopic = item.Message.Topic;
                }
            }
            catch (MicroException e) when (e.Code is 401 or 403)
            {
                await RefuseAsync(http, e).ConfigureAwait(false);
                return;
            }
        }
        DeliveryReply[] replies;
        if (items.Count > 1 && items.Any(i => _subscriptions.TryGetValue((i.Message.Topic, i.Group), out var sub) && sub.Options.MaxConcurrency > 1))
            replies = await Task.WhenAll(items.Select(item => HandleAsync(item, http.RequestAborted))).ConfigureAwait(false);
        else
        {
            // In order, one after the other: MaxConcurrency 1 (the default) keeps each publisher's order.
            replies = new DeliveryReply[items.Count];
            for (var i = 0; i < items.Count; i++) replies[i] = await HandleAsync(items[i], http.RequestAborted).ConfigureAwait(false);
        }
        http.Response.StatusCode = 200;
        http.Response.ContentType = DeliveryBatch.ContentType;
        DeliveryBatch.WriteReply(http.Response.BodyWriter, replies);
        await http.Response.BodyWriter.FlushAsync(http.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>
    /// Runs one delivered message through its subscription's handler, at most <see cref="SubscribeOptions.MaxConcurrency"/>
    /// at once per subscription across every publisher's requests.
    /// </summary>
    private async Task<DeliveryReply> HandleAsync(DeliveryItem item, CancellationToken requestAborted)
    {
        if (!_subscriptions.TryGetValue((item.Message.Topic, item.Group), out var subscription))
            return new DeliveryReply(item.Seq, DeliveryOutcome.Retry(TimeSpan.Zero), NotSubscribed: true);
        // A publisher that gave up on this request (timeout) gets no reply: stop waiting for a slot, handle nothing.
        await subscription.Slots.WaitAsync(requestAborted).ConfigureAwait(false);
        try
        {
            if (!subscription.State.TryEnter()) return new DeliveryReply(item.Seq, DeliveryOutcome.Retry(TimeSpan.Zero), NotSubscribed: true);
            try
            {
                var delivery = new BrokerDelivery(item.Message, item.Attempt, item.Group);
                var outcome = await SafeHandler.InvokeAsync(subscription.Handler, delivery, subscription.Options.Retry, subscription.Stopping).ConfigureAwait(false);
                return new DeliveryReply(item.Seq, outcome);
            }
            finally
            {
                subscription.State.Exit();
            }
        }
        finally
        {
            subscription.Slots.Release();
        }
    }

    /// <summary>A refused delivery request: the status and the Micro error as JSON, which the publisher logs and dead-letters with.</summary>
    private static async Task RefuseAsync(HttpContext http, MicroException error)
    {
        http.Response.StatusCode = error.Code;
        http.Response.ContentType = "application/json";
        using (var writer = new System.Text.Json.Utf8JsonWriter((IBufferWriter<byte>)http.Response.BodyWriter))
            GrpcErrorMapping.WriteJson(writer, error);
        await http.Response.BodyWriter.FlushAsync(http.RequestAborted).ConfigureAwait(false);
    }

    private sealed class HttpSubscription(HttpBroker broker, string topic, string group, BrokerHandler handler, SubscribeOptions options, NodeInfo node) : ISubscription
    {
        private readonly CancellationTokenSource _stopping = new();
        private int _disposed;

        public string Topic { get; } = topic;
        public string Group { get; } = group;
        public BrokerHandler Handler { get; } = handler;
        public SubscribeOptions Options { get; } = options;
        public ServerState State { get; } = new();
        public SemaphoreSlim Slots { get; } = new(Math.Max(1, options.MaxConcurrency));
        public CancellationToken Stopping => _stopping.Token;

        public ServiceInfo Registration { get; } = new() { Name = SubscriberDirectory.ServiceFor(topic), Nodes = [node] };

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
            broker._subscriptions.TryRemove((Topic, Group), out _);
            try { await broker.Registry.DeregisterAsync(Registration).ConfigureAwait(false); }
            catch (Exception e) when (e is not OperationCanceledException) { HttpBrokerLog.RegisterFailed(broker.Logger, Topic, e); }
            // Handlers running now finish (their ack goes back); none starts after this returns.
            using var grace = new CancellationTokenSource(Options.AckWait);
            await State.DrainAsync(grace.Token).ConfigureAwait(false);
            await _stopping.CancelAsync().ConfigureAwait(false);
            _stopping.Dispose();
        }
    }
}
