using System.Globalization;
using System.Text.Json.Nodes;

namespace MeliFunctions.MercadoLibre;

/// <summary>A shipment as <c>GET /shipments/{id}</c> (<c>x-format-new: true</c>) shows it: the fields the product reads, and the JSON whole.</summary>
public sealed record MeliShipment(
    long Id,
    string? Status,
    string? Substatus,
    string? Mode,
    string? LogisticType,
    decimal? Cost,
    string? CostCurrencyId,
    DateTimeOffset? LastUpdated,
    IReadOnlyList<long> OrderIds,
    JsonObject Json)
{
    public bool IsFulfillment => string.Equals(LogisticType, "fulfillment", StringComparison.OrdinalIgnoreCase);

    public static MeliShipment FromJson(long id, JsonObject json)
    {
        var orders = new List<long>();
        if (MeliJsonRead.Long(json["order_id"]) is { } orderId)
        {
            orders.Add(orderId);
        }

        foreach (var o in json["orders"] as JsonArray ?? [])
        {
            if (MeliJsonRead.Long(o?["id"] ?? o) is { } other && !orders.Contains(other))
            {
                orders.Add(other);
            }
        }

        return new MeliShipment(
            MeliJsonRead.Long(json["id"]) ?? id,
            MeliJsonRead.Text(json["status"]),
            MeliJsonRead.Text(json["substatus"]),
            MeliJsonRead.Text(json["logistic"]?["mode"]) ?? MeliJsonRead.Text(json["mode"]),
            MeliJsonRead.Text(json["logistic"]?["type"]) ?? MeliJsonRead.Text(json["logistic_type"]),
            MeliJsonRead.Decimal(json["lead_time"]?["cost"]),
            MeliJsonRead.Text(json["lead_time"]?["currency_id"]),
            MeliJsonRead.Time(json["last_updated"]),
            orders,
            json);
    }
}

/// <summary>The filters of an order search (<c>/orders/search</c>, or <c>/orders/search/pending</c> with <see cref="Pending"/>).</summary>
public sealed record MeliOrderSearch(string SellerId, int Offset, int Limit)
{
    /// <summary>Ask <c>/orders/search/pending</c> (in MeLi's older docs only).</summary>
    public bool Pending { get; init; }

    public IReadOnlyList<string>? Statuses { get; init; }

    /// <summary><c>order.date_created.from</c> (MeLi keeps the hour only).</summary>
    public DateTimeOffset? CreatedFrom { get; init; }

    /// <summary><c>order.date_last_updated.from</c> (MeLi keeps the hour only).</summary>
    public DateTimeOffset? LastUpdatedFrom { get; init; }

    /// <summary><c>date_asc</c> or <c>date_desc</c>; null leaves MeLi's default.</summary>
    public string? Sort { get; init; }
}

/// <summary>One page of an order search: the results as MeLi lists them and <c>paging.total</c>.</summary>
public sealed record MeliOrderSearchPage(IReadOnlyList<JsonObject> Results, int? Total);

/// <summary>A listing's stock as <c>GET /items/{id}</c> or the multiget shows it.</summary>
public sealed record MeliItem(string Id, string? Status, IReadOnlyList<string> SubStatus, int? AvailableQuantity, IReadOnlyList<MeliItemVariation> Variations)
{
    public static MeliItem? FromJson(JsonNode? json)
    {
        if (json is not JsonObject o || MeliJsonRead.Text(o["id"]) is not { } id)
        {
            return null;
        }

        return new MeliItem(
            id,
            MeliJsonRead.Text(o["status"]),
            (o["sub_status"] as JsonArray ?? []).Select(MeliJsonRead.Text).OfType<string>().ToList(),
            MeliJsonRead.Int(o["available_quantity"]),
            (o["variations"] as JsonArray ?? []).OfType<JsonObject>()
                .Where(v => MeliJsonRead.Long(v["id"]) is not null)
                .Select(v => new MeliItemVariation(MeliJsonRead.Long(v["id"])!.Value, MeliJsonRead.Int(v["available_quantity"])))
                .ToList());
    }
}

public sealed record MeliItemVariation(long Id, int? AvailableQuantity);

/// <summary>One answer of the multiget (<c>GET /items?ids=</c>): MeLi's code per listing and the listing when it is 200.</summary>
public sealed record MeliMultigetEntry(string? ItemId, int Code, MeliItem? Item);

/// <summary>
/// A stock update for <c>PUT /items/{id}</c>: <see cref="AvailableQuantity"/> for a listing without
/// variations, or every variation of the listing (MeLi drops those a PUT leaves out; a null quantity
/// sends the variation as <c>{"id"}</c> only, unchanged).
/// </summary>
public sealed record MeliStockUpdate(int? AvailableQuantity, IReadOnlyList<MeliItemVariation>? Variations)
{
    public JsonObject ToJson() => Variations is null
        ? new JsonObject { ["available_quantity"] = AvailableQuantity }
        : new JsonObject
        {
            ["variations"] = new JsonArray(Variations.Select(v => (JsonNode)(v.AvailableQuantity is { } q
                ? new JsonObject { ["id"] = v.Id, ["available_quantity"] = q }
                : new JsonObject { ["id"] = v.Id })).ToArray()),
        };
}

/// <summary>An order's notes (<c>GET /orders/{id}/notes</c>): the answer as MeLi gave it, and the notes read from it.</summary>
public sealed record MeliNotes(JsonNode? Json, IReadOnlyList<MeliNote> Notes)
{
    public static MeliNotes FromJson(JsonNode? json)
    {
        // MeLi answers [{"order_id", "results": [note...]}]; some answers are the object alone.
        var groups = json switch
        {
            JsonArray array => array.OfType<JsonObject>(),
            JsonObject one => [one],
            _ => [],
        };
        var notes = groups.SelectMany(g => g["results"] as JsonArray ?? []).OfType<JsonObject>()
            .Select(n => new MeliNote(MeliJsonRead.Text(n["id"]), MeliJsonRead.Text(n["note"]) ?? ""))
            .ToList();
        return new MeliNotes(json, notes);
    }
}

public sealed record MeliNote(string? Id, string Note);

/// <summary>The seller's order blacklist (<c>GET /users/{id}/order_blacklist</c>): as MeLi answered, and the blocked users' ids.</summary>
public sealed record MeliBlacklist(JsonNode? Json, IReadOnlyList<long> UserIds)
{
    public static MeliBlacklist FromJson(JsonNode? json) => new(
        json,
        (json as JsonArray ?? []).Select(e => MeliJsonRead.Long(e?["user"]?["id"]) ?? MeliJsonRead.Long(e?["user_id"])).OfType<long>().ToList());
}

/// <summary>A notification MeLi could not deliver (<c>GET /missed_feeds</c>).</summary>
public sealed record MeliMissedFeed(string? Id, string? SellerId, string? Resource, string? Topic, long ApplicationId, int Attempts, DateTimeOffset? Sent)
{
    public static MeliMissedFeed FromJson(JsonObject feed) => new(
        MeliJsonRead.Text(feed["_id"]),
        MeliJsonRead.Text(feed["user_id"]),
        MeliJsonRead.Text(feed["resource"]),
        MeliJsonRead.Text(feed["topic"]),
        MeliJsonRead.Long(feed["application_id"]) ?? 0,
        MeliJsonRead.Int(feed["attempts"]) ?? 0,
        MeliJsonRead.Time(feed["sent"]));
}

/// <summary>
/// The discounts of an order (<c>GET /orders/{id}/discounts</c>, seed 004): each detail as MeLi sent
/// it, and the sums of its items' <c>amounts.total</c> and <c>amounts.seller</c>.
/// </summary>
public sealed record MeliOrderDiscounts(JsonArray Details, decimal Total, decimal SellerShare)
{
    public static MeliOrderDiscounts FromJson(JsonNode? json)
    {
        var details = json?["details"] as JsonArray ?? [];
        decimal total = 0, seller = 0;
        foreach (var item in details.SelectMany(d => d?["items"] as JsonArray ?? []))
        {
            total += MeliJsonRead.Decimal(item?["amounts"]?["total"]) ?? 0;
            seller += MeliJsonRead.Decimal(item?["amounts"]?["seller"]) ?? 0;
        }

        return new MeliOrderDiscounts((JsonArray)details.DeepClone(), total, seller);
    }
}

/// <summary>A pack (a cart) as <c>GET /packs/{id}</c> shows it.</summary>
public sealed record MeliPack(long Id, string? Status, long? ShipmentId, IReadOnlyList<long> OrderIds)
{
    public static MeliPack FromJson(long id, JsonNode? json) => new(
        MeliJsonRead.Long(json?["id"]) ?? id,
        MeliJsonRead.Text(json?["status"]),
        MeliJsonRead.Long(json?["shipment"]?["id"]),
        (json?["orders"] as JsonArray ?? []).Select(o => MeliJsonRead.Long(o?["id"])).OfType<long>().ToList());
}

/// <summary>Reads MeLi's JSON values, which are not always of one type (ids as numbers or strings).</summary>
internal static class MeliJsonRead
{
    public static string? Text(JsonNode? node) => node switch
    {
        JsonValue v when v.TryGetValue<string>(out var s) => s.Length > 0 ? s : null,
        JsonValue v when v.TryGetValue<long>(out var n) => n.ToString(CultureInfo.InvariantCulture),
        _ => null,
    };

    public static long? Long(JsonNode? node) => node switch
    {
        JsonValue v when v.TryGetValue<long>(out var n) => n,
        JsonValue v when v.TryGetValue<string>(out var s) && long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var p) => p,
        _ => null,
    };

    public static int? Int(JsonNode? node) => Long(node) is { } n && n is >= int.MinValue and <= int.MaxValue ? (int)n : null;

    public static decimal? Decimal(JsonNode? node) => node switch
    {
        JsonValue v when v.TryGetValue<decimal>(out var d) => d,
        JsonValue v when v.TryGetValue<string>(out var s) && decimal.TryParse(s, NumberStyles.Number, CultureInfo.InvariantCulture, out var p) => p,
        _ => null,
    };

    public static DateTimeOffset? Time(JsonNode? node) =>
        node is JsonValue value && value.TryGetValue<string>(out var text) &&
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed)
            ? parsed
            : null;
}
