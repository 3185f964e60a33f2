using System.Text.Json.Nodes;
using Azure;

namespace MeliFunctions.Orders;

/// <summary>An order as stored: Mercado Libre's JSON whole, plus what we know about its sync.</summary>
public sealed record StoredOrder(
    string SellerId,
    long OrderId,
    string OrderJson,
    string? Status,
    DateTimeOffset? LastUpdated,
    DateTimeOffset FetchedAt,
    DateTimeOffset SyncedAt,
    int Version,
    IReadOnlyList<string> MissingBlocks,
    ETag ETag)
{
    public JsonObject Order => JsonNode.Parse(OrderJson)!.AsObject();

    /// <summary>MeLi's <c>pack_id</c>: orders of one cart share it (and one shipment).</summary>
    public string? PackId { get; init; }

    /// <summary>Held: nothing of ours (labels, picking, exports) may ship this order. <see cref="HoldReason"/> says why.</summary>
    public bool Held { get; init; }

    public string? HoldReason { get; init; }

    /// <summary>The shipment's status and cost and the total with shipping; null until read.</summary>
    public OrderShipping? Shipping { get; init; }

    /// <summary>The version whose follow-up (every <see cref="IOrderChangeObserver"/>) completed.</summary>
    public int FollowUpVersion { get; init; }

    /// <summary>The observers have not all completed for this version yet (a failure, or a process that died after the write).</summary>
    public bool FollowUpPending => FollowUpVersion < Version;
    /// <summary>The discounts MeLi applied (<c>GET /orders/{id}/discounts</c>), for an order with a coupon or a discount tag; null until read.</summary>
    public OrderDiscounts? Discounts { get; init; }

    /// <summary>MeLi's order at the root, as MeLi sends it, and our sync metadata under <c>_sync</c>.</summary>
    public JsonObject ToApiJson(IReadOnlyList<long>? packOrderIds = null)
    {
        var json = Order;
        json["_sync"] = new JsonObject
        {
            ["seller_id"] = SellerId,
            ["fetched_at"] = FetchedAt,
            ["synced_at"] = SyncedAt,
            ["version"] = Version,
            ["follow_up_version"] = FollowUpVersion,
            ["held"] = Held,
            ["hold_reason"] = HoldReason,
            ["missing_blocks"] = new JsonArray(MissingBlocks.Select(b => (JsonNode)JsonValue.Create(b)).ToArray()),
            ["pack_id"] = PackId,
            ["pack_order_ids"] = packOrderIds is null ? null : new JsonArray(packOrderIds.Select(id => (JsonNode)JsonValue.Create(id)).ToArray()),
            ["shipment"] = Shipping?.ToJson(),
            ["total_amount_with_shipping"] = Shipping?.TotalAmountWithShipping,
            ["discounts"] = Discounts?.ToJson(),
        };
        return json;
    }
}

/// <summary>
/// An order's discounts as <c>GET /orders/{id}/discounts</c> answered (seed 004: coupons, campaigns,
/// cashback), kept whole, with the coupon they were read for and when.
/// </summary>
public sealed record OrderDiscounts(string Json, string? Coupon, DateTimeOffset? ReadAt)
{
    public static OrderDiscounts From(MercadoLibre.MeliOrderDiscounts discounts, string? coupon, DateTimeOffset readAt) =>
        new(new JsonObject
        {
            ["details"] = discounts.Details.DeepClone(),
            ["total"] = discounts.Total,
            ["seller_share"] = discounts.SellerShare,
        }.ToJsonString(), coupon, readAt);

    /// <summary><c>{details, total, seller_share, read_at}</c>: MeLi's details as sent, the sums of their items' amounts.</summary>
    public JsonObject ToJson()
    {
        var json = JsonNode.Parse(Json) as JsonObject ?? [];
        json["read_at"] = ReadAt;
        return json;
    }
}

/// <summary>A stored change of an order, handed to what acts on it (the fraud flow, the stock effects).</summary>
public sealed record OrderChange(string SellerId, long OrderId, JsonObject Order, JsonObject? Previous, string? TraceParent)
{
    /// <summary>
    /// The follow-up of this stored version is being finished after it was interrupted (an observer
    /// failed, or the process died after the write): <see cref="Previous"/> is not known then.
    /// </summary>
    public bool Resumed { get; init; }

    /// <summary>
    /// The shipment as read once for this change (or as stored, when a follow-up is resumed; null when
    /// the order has none or the read failed), also on the stored row: observers use it instead of
    /// reading it again.
    /// </summary>
    public OrderShipping? Shipping { get; init; }

    /// <summary>Only the shipment changed (a <c>shipments</c> notification): the order is as stored.</summary>
    public bool ShipmentOnly { get; init; }
}

/// <summary>
/// Acts on an order after each stored change. Called after the write, and again until every observer
/// has completed for that version (the row records it): must be idempotent, and must throw when its
/// work is not done, so the order sync retries it.
/// </summary>
public interface IOrderChangeObserver
{
    /// <summary>
    /// False for what must run before anything slow (the fraud hold): it is called before the shipment
    /// is read, and <see cref="OrderChange.Shipping"/> is null then. The others are called after.
    /// </summary>
    bool ReadsShipment => true;

    Task OnOrderChangedAsync(OrderChange change, CancellationToken cancellationToken);
}

/// <summary>Adds one property under <c>_sync</c> in <c>GET /api/orders/{id}</c> (MeLi's root fields stay as MeLi sent them).</summary>
public interface IOrderApiSection
{
    /// <summary>The property name under <c>_sync</c>.</summary>
    string Name { get; }

    Task<JsonNode?> ReadAsync(StoredOrder order, CancellationToken cancellationToken);
}
