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
    /// <summary>The shipment's <c>logistic.type</c> (<c>fulfillment</c>: MeLi keeps the stock).</summary>
    public string? LogisticType { get; init; }

    /// <summary>The currency of <see cref="Cost"/> as the shipment gave it (null: the items').</summary>
    public string? CostCurrencyId { get; init; }

    /// <summary>When the shipment read began: a notification sent well before it is answered by this read.</summary>
    public DateTimeOffset? ReadAt { get; init; }

    /// <summary>True when a shipment was read (no shipment, or one MeLi refused, has no facts).</summary>
    public bool HasFacts => ShipmentId is not null && Error is null && ReadAt is not null;

    public JsonObject ToJson() => new()
    {
        ["shipment_id"] = ShipmentId,
        ["status"] = Status,
        ["substatus"] = Substatus,
        ["logistic_type"] = LogisticType,
        ["cost"] = Cost,
        ["currency_id"] = CurrencyId,
        ["taxes_conversion_ratio"] = TaxesConversionRatio,
        ["read_at"] = ReadAt,
        ["error"] = Error,
    };
}

/// <summary>A shipment as read, and when the read began.</summary>
public sealed record ShipmentRead(MeliShipment Shipment, DateTimeOffset ReadAt)
{
    public long Id => Shipment.Id;
}

/// <summary>
/// Reads an order's shipment (<c>GET /shipments/{id}</c> with <c>x-format-new: true</c>) and the
/// conversion ratio when the taxes (or the shipping cost) are in another currency
/// (<c>GET /currency_conversions/search?from=&amp;to=</c>), and computes <see cref="OrderShipping"/>.
/// </summary>
public sealed class OrderShippingReader(MeliApiClient meli, TimeProvider time, ILogger<OrderShippingReader> logger)
{
    /// <summary>Transient MeLi errors are thrown (retry the message); a shipment MeLi refuses for good is recorded as an error.</summary>
    public Task<OrderShipping> ReadAsync(string sellerId, JsonObject order, CancellationToken cancellationToken) =>
        SummarizeAsync(sellerId, order, known: null, cancellationToken);

    /// <summary>
    /// The order's shipping from a shipment already read (<paramref name="known"/>: a <c>shipments</c>
    /// notification's read, or a read fresh enough for this change), else from a new read.
    /// </summary>
    public async Task<OrderShipping> SummarizeAsync(string sellerId, JsonObject order, ShipmentRead? known, CancellationToken cancellationToken)
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

        ShipmentRead read;
        if (known is not null && known.Id == shipmentId)
        {
            read = known;
        }
        else
        {
            try
            {
                read = await ReadShipmentAsync(sellerId, shipmentId.Value, cancellationToken);
            }
            catch (MeliApiException ex) when (ex.Kind == MeliErrorKind.Permanent)
            {
                logger.LogWarning("Shipment {ShipmentId} of order {OrderId} could not be read: {Status} {Error}", shipmentId, order["id"]?.ToJsonString(), ex.Status, ex.Error);
                return new OrderShipping(shipmentId, null, null, null, currency, Round(total + taxes), ratio, $"{ex.Status} {ex.Error}");
            }
        }

        var shipment = read.Shipment;
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
            null)
        {
            LogisticType = shipment.LogisticType,
            CostCurrencyId = shipment.CostCurrencyId,
            ReadAt = read.ReadAt,
        };
    }

    /// <summary>One <c>GET /shipments/{id}</c>, stamped with when it began.</summary>
    public async Task<ShipmentRead> ReadShipmentAsync(string sellerId, long shipmentId, CancellationToken cancellationToken)
    {
        var startedAt = time.GetUtcNow();
        return new ShipmentRead(await meli.GetShipmentAsync(sellerId, shipmentId, cancellationToken), startedAt);
    }

    private Task<decimal> RatioAsync(string sellerId, string from, string to, CancellationToken cancellationToken) =>
        meli.GetConversionRatioAsync(sellerId, from, to, cancellationToken);

    /// <summary>The items' currency (MeLi: "with the same item currency"); the order's when the items do not say.</summary>
    private static string ItemCurrency(JsonObject order) =>
        String(order["order_items"]?[0]?["currency_id"]) ?? String(order["currency_id"]) ?? "";

    private static decimal Round(decimal value) => Math.Round(value, 2, MidpointRounding.AwayFromZero);

    /// <summary>The shipment facts a stored <see cref="OrderShipping"/> keeps, as a read to summarize again (no call).</summary>
    public static ShipmentRead? FromStored(OrderShipping? stored) => stored is { HasFacts: true }
        ? new ShipmentRead(
            new MeliShipment(stored.ShipmentId!.Value, stored.Status, stored.Substatus, null, stored.LogisticType, stored.Cost, stored.CostCurrencyId, null, [], []),
            stored.ReadAt!.Value)
        : null;

    private static string? String(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) && s.Length > 0 ? s : null;

    private static decimal? Decimal(JsonNode? node) => node switch
    {
        JsonValue v when v.TryGetValue<decimal>(out var d) => d,
        JsonValue v when v.TryGetValue<string>(out var s) && decimal.TryParse(s, NumberStyles.Number, CultureInfo.InvariantCulture, out var p) => p,
        _ => null,
    };
}
