using System.Text.RegularExpressions;

namespace MeliFunctions.Notifications;

/// <summary>What we do with each Mercado Libre topic, and the shape its resource must have.</summary>
public static partial class NotificationTopics
{
    public const string OrdersV2 = "orders_v2";
    public const string Orders = "orders";
    public const string CreatedOrders = "created_orders";
    public const string OrdersFeedback = "orders_feedback";
    public const string Shipments = "shipments";
    public const string Items = "items";
    public const string Payments = "payments";

    /// <summary>Topics whose resource is an order: each enqueues an order sync.</summary>
    public static bool IsOrderTopic(string topic) =>
        topic is OrdersV2 or Orders or CreatedOrders or OrdersFeedback;

    /// <summary>Topics we act on: they are enqueued. Every other topic gets a 200 and is only counted.</summary>
    public static bool IsActionable(string topic) =>
        IsOrderTopic(topic) || topic is Shipments or Items;

    /// <summary>The pattern a topic's resource must match; null where any resource is accepted.</summary>
    public static Regex? ResourcePattern(string topic) => topic switch
    {
        _ when IsOrderTopic(topic) => OrderResource(),
        Shipments => ShipmentResource(),
        Items => ItemResource(),
        Payments => PaymentResource(),
        _ => null,
    };

    /// <summary>The order id in an order resource (<c>/orders/123</c> or <c>/orders/123/feedback</c>).</summary>
    public static long? OrderId(string resource)
    {
        var match = OrderResource().Match(resource);
        return match.Success && long.TryParse(match.Groups["id"].Value, out var id) ? id : null;
    }

    /// <summary>The shipment id in a shipment resource (<c>/shipments/123</c>).</summary>
    public static long? ShipmentId(string resource)
    {
        var match = ShipmentResource().Match(resource);
        return match.Success && long.TryParse(match.Groups["id"].Value, out var id) ? id : null;
    }

    [GeneratedRegex(@"^/orders/(?<id>[0-9]{1,20})(/feedback)?\z", RegexOptions.CultureInvariant)]
    private static partial Regex OrderResource();

    [GeneratedRegex(@"^/shipments/(?<id>[0-9]{1,20})\z", RegexOptions.CultureInvariant)]
    private static partial Regex ShipmentResource();

    [GeneratedRegex(@"^/items/[A-Z]{3}[0-9]{1,20}\z", RegexOptions.CultureInvariant)]
    private static partial Regex ItemResource();

    [GeneratedRegex(@"^/(collections|payments)/[0-9]{1,20}\z", RegexOptions.CultureInvariant)]
    private static partial Regex PaymentResource();
}
