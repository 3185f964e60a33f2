using System.Text.Json.Nodes;
using MeliFunctions.MercadoLibre;
using Microsoft.Extensions.Logging;

namespace MeliFunctions.Orders;

/// <summary>
/// After a stored change of an order that carries a discount (a coupon, or a tag naming a discount or
/// a coupon), reads <c>GET /orders/{id}/discounts</c> once and stores it with the order, shown under
/// <c>_sync.discounts</c> in <c>GET /api/orders/{id}</c>. Read once per coupon: later versions keep
/// what was read until the coupon changes. Orders without a discount cost nothing.
/// </summary>
/// <remarks>
/// A transient failure is thrown, so the version's follow-up stays pending and is run again; a
/// permanent refusal is logged and the next change of the order asks again.
/// </remarks>
public sealed class OrderDiscountsObserver(OrderStore store, MeliApiClient meli, TimeProvider time, ILogger<OrderDiscountsObserver> logger) : IOrderChangeObserver
{
    public async Task OnOrderChangedAsync(OrderChange change, CancellationToken cancellationToken)
    {
        if (change.ShipmentOnly || !HasDiscount(change.Order))
        {
            return;
        }

        try
        {
            var stored = await store.GetAsync(change.SellerId, change.OrderId, cancellationToken);
            var coupon = Coupon(change.Order);
            if (stored is null || (stored.Discounts is { } known && known.Coupon == coupon))
            {
                return;
            }

            var readAt = time.GetUtcNow();
            var discounts = await meli.GetOrderDiscountsAsync(change.SellerId, change.OrderId, cancellationToken);
            await store.SetDiscountsAsync(stored, OrderDiscounts.From(discounts, coupon, readAt), cancellationToken);
            logger.LogInformation("Order {OrderId} of seller {SellerId}: {Count} discounts, {Total} in all ({Seller} by the seller)",
                change.OrderId, change.SellerId, discounts.Details.Count, discounts.Total, discounts.SellerShare);
        }
        catch (MeliApiException ex) when (ex.Kind == MeliErrorKind.Permanent)
        {
            logger.LogWarning("Discounts of order {OrderId} (seller {SellerId}) refused by Mercado Libre ({Status} {Error}); the next change of the order asks again", change.OrderId, change.SellerId, ex.Status, ex.Error);
        }
    }

    /// <summary>A coupon (<c>coupon.id</c>, or a <c>coupon.amount</c> above zero) or a tag that names a discount or a coupon.</summary>
    internal static bool HasDiscount(JsonObject order) =>
        Coupon(order) is not null ||
        (order["coupon"]?["amount"] is JsonValue amount && amount.TryGetValue<decimal>(out var a) && a > 0) ||
        (order["tags"] as JsonArray ?? []).Any(t => t is JsonValue v && v.TryGetValue<string>(out var tag) &&
            (tag.Contains("discount", StringComparison.OrdinalIgnoreCase) || tag.Contains("coupon", StringComparison.OrdinalIgnoreCase)));

    private static string? Coupon(JsonObject order) => order["coupon"]?["id"] switch
    {
        JsonValue v when v.TryGetValue<string>(out var s) && s.Length > 0 => s,
        JsonValue v when v.TryGetValue<long>(out var n) => n.ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => null,
    } ?? (order["coupon"]?["amount"] is JsonValue amount && amount.TryGetValue<decimal>(out var a) && a > 0 ? "amount:" + a.ToString(System.Globalization.CultureInfo.InvariantCulture) : null);
}
