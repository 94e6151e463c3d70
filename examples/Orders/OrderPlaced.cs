// The event the OrderPublisher and OrderSubscriber examples share (linked into both projects).
using System.Text.Json.Serialization;

namespace Orders;

/// <summary>Published by "shop" on <see cref="Topic"/> when a customer orders.</summary>
public sealed record OrderPlaced(string Id, string Item, int Quantity)
{
    public const string Topic = "orders.placed";
}

/// <summary>Source-generated JSON for the events (NativeAOT-ready).</summary>
[JsonSerializable(typeof(OrderPlaced))]
public sealed partial class OrdersJson : JsonSerializerContext;
