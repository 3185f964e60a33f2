using System.Globalization;
using System.Text.Json.Nodes;
using MeliFunctions.MercadoLibre;
using Microsoft.Extensions.Logging;

namespace MeliFunctions.Orders;

/// <summary>
/// What we add to an order from its shipment: the shipment's status and cost, and Mercado Libre's
/// <c>total_amount_with_shipping = total_amount + taxes.amount + lead_time.cost</c>, in the items' currency.
/// </summary>
public sealed record OrderShipping(
    long? ShipmentId,
    string? Status,
    string? Substatus,
    decimal? Cost,
    string CurrencyId,
    decimal TotalAmountWithShipping,
    decimal? TaxesConversionRatio,
    string? Error)
{
    public JsonObject ToJson() => new()
    {
        ["shipment_id"] = ShipmentId,
        ["status"] = Status,
        ["substatus"] = Substatus,
        ["cost"] = Cost,
        ["currency_id"] = CurrencyId,
        ["taxes_conversion_ratio"] = TaxesConversionRatio,
        ["error"] = Error,
    };
}

/// <summary>
/// Reads an order's shipment (<c>GET /shipments/{id}</c> with <c>x-format-new: true</c>) and the
/// conversion ratio when the taxes (or the shipping cost) are in another currency
/// (<c>GET /currency_conversions/search?from=&amp;to=</c>), and computes <see cref="OrderShipping"/>.
/// </summary>
public sealed class OrderShippingReader(MeliApiClient meli, ILogger<OrderShippingReader> logger)
{
    /// <summary>Transient MeLi errors are thrown (retry the message); a shipment MeLi refuses for good is recorded as an error.</summary>
    public async Task<OrderShipping> ReadAsync(string sellerId, JsonObject order, CancellationToken cancellationToken)
    {
        var currency = ItemCurrency(order);
        var total = Decimal(order["total_amount"]) ?? 0m;

        var taxes = Decimal(order["taxes"]?["amount"]) ?? 0m;
        var taxesCurrency = String(order["taxes"]?["currency_id"]) ?? currency;
        decimal? ratio = null;
        if (taxes != 0m && taxesCurrency != currency)
        {
            ratio = await RatioAsync(sellerId, taxesCurrency, currency, cancellationToken);
            taxes *= ratio.Value;
        }

        long? shipmentId = order["shipping"]?["id"] is JsonValue id && id.TryGetValue<long>(out var sid) ? sid : null;
        if (shipmentId is null)
        {
            return new OrderShipping(null, null, null, null, currency, Round(total + taxes), ratio, null);
        }

        MeliShipment shipment;
        try
        {
            shipment = await meli.GetShipmentAsync(sellerId, shipmentId.Value, cancellationToken);
        }
        catch (MeliApiException ex) when (ex.Kind == MeliErrorKind.Permanent)
        {
            logger.LogWarning("Shipment {ShipmentId} of order {OrderId} could not be read: {Status} {Error}", shipmentId, order["id"]?.ToJsonString(), ex.Status, ex.Error);
            return new OrderShipping(shipmentId, null, null, null, currency, Round(total + taxes), ratio, $"{ex.Status} {ex.Error}");
        }

        var cost = shipment.Cost;
        var costInCurrency = cost ?? 0m;
        var costCurrency = shipment.CostCurrencyId ?? currency;
        if (costInCurrency != 0m && costCurrency != currency)
        {
            costInCurrency *= await RatioAsync(sellerId, costCurrency, currency, cancellationToken);
        }

        return new OrderShipping(
            shipmentId,
            shipment.Status,
            shipment.Substatus,
            cost,
            currency,
            Round(total + taxes + costInCurrency),
            ratio,
            null);
    }

    private Task<decimal> RatioAsync(string sellerId, string from, string to, CancellationToken cancellationToken) =>
        meli.GetConversionRatioAsync(sellerId, from, to, cancellationToken);

    /// <summary>The items' currency (MeLi: "with the same item currency"); the order's when the items do not say.</summary>
    private static string ItemCurrency(JsonObject order) =>
        String(order["order_items"]?[0]?["currency_id"]) ?? String(order["currency_id"]) ?? "";

    private static decimal Round(decimal value) => Math.Round(value, 2, MidpointRounding.AwayFromZero);

    private static string? String(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) && s.Length > 0 ? s : null;

    private static decimal? Decimal(JsonNode? node) => node switch
    {
        JsonValue v when v.TryGetValue<decimal>(out var d) => d,
        JsonValue v when v.TryGetValue<string>(out var s) && decimal.TryParse(s, NumberStyles.Number, CultureInfo.InvariantCulture, out var p) => p,
        _ => null,
    };
}
