using System.Globalization;
using System.Text.Json.Nodes;

namespace MeliFunctions.Sweeps;

/// <summary>An order as a search page lists it: enough to decide whether the store is behind.</summary>
public sealed record ListedOrder(long OrderId, DateTimeOffset? LastUpdated, string? Status, DateTimeOffset? DateCreated = null)
{
    /// <summary>The search result as MeLi listed it (the order without the buyer's and seller's personal data).</summary>
    public JsonObject? Listing { get; init; }

    public static ListedOrder? From(JsonNode? result)
    {
        if (result?["id"] is not JsonValue idValue || !idValue.TryGetValue<long>(out var id))
        {
            return null;
        }

        return new ListedOrder(
            id,
            Time(result["last_updated"]) ?? Time(result["date_last_updated"]),
            result["status"] is JsonValue s && s.TryGetValue<string>(out var status) ? status : null,
            Time(result["date_created"]))
        {
            Listing = result as JsonObject,
        };
    }

    private static DateTimeOffset? Time(JsonNode? node) =>
        node is JsonValue value && value.TryGetValue<string>(out var text) &&
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed)
            ? parsed
            : null;
}

/// <summary>What the store holds of an order, as far as a sweep compares it.</summary>
public sealed record StoredStamp(DateTimeOffset? LastUpdated, string? Status);

/// <summary>The sweeps' pure decisions, kept apart so they are tested table by table.</summary>
public static class SweepRules
{
    /// <summary>Order statuses that can still change by themselves (payment, cancellation in progress).</summary>
    public static IReadOnlyList<string> NonFinalStatuses { get; } = ["payment_required", "confirmed", "payment_in_process", "partially_paid", "pending_cancel"];

    /// <summary>Statuses <c>/orders/search/pending</c> lists; the fallback filter asks for these with <c>order.status</c>.</summary>
    public static IReadOnlyList<string> PendingStatuses { get; } = ["confirmed", "payment_in_process", "partially_paid"];

    /// <summary>
    /// True when the store lacks the order or holds an older one than MeLi lists (or MeLi's listing
    /// gives no time to compare): queue it for the order sync.
    /// </summary>
    public static bool StoreIsBehind(StoredStamp? stored, ListedOrder listed)
    {
        if (stored is null || stored.LastUpdated is null || listed.LastUpdated is null)
        {
            return true;
        }

        if (listed.LastUpdated > stored.LastUpdated)
        {
            return true;
        }

        // Same or older time but another status: the store cannot be trusted, fetch the truth.
        return listed.LastUpdated == stored.LastUpdated && listed.Status is not null && stored.Status is not null && listed.Status != stored.Status;
    }

    /// <summary>
    /// Start of the "changed since" window: the last sweep's start less the overlap, cut to the hour
    /// (Mercado Libre drops minutes and seconds from date filters, so we say plainly what it will do).
    /// </summary>
    public static DateTimeOffset ChangedFrom(DateTimeOffset? watermark, TimeSpan overlap, DateTimeOffset now, TimeSpan firstWindow)
    {
        var from = (watermark ?? now - firstWindow) - overlap;
        return FloorHour(from);
    }

    public static DateTimeOffset FloorHour(DateTimeOffset value)
    {
        var utc = value.ToUniversalTime();
        return new DateTimeOffset(utc.Year, utc.Month, utc.Day, utc.Hour, 0, 0, TimeSpan.Zero);
    }

    /// <summary>A date as Mercado Libre's search filters take it: <c>2026-11-23T01:00:00.000-00:00</c>.</summary>
    public static string FilterDate(DateTimeOffset value) => MercadoLibre.MeliApiClient.FilterDate(value);

    /// <summary>The store key range that holds every id of a page (ids compared as the strings they are stored as).</summary>
    public static (string Low, string High) KeyRange(IEnumerable<long> orderIds)
    {
        var keys = orderIds.Select(id => id.ToString(CultureInfo.InvariantCulture)).ToList();
        return (keys.Min(StringComparer.Ordinal)!, keys.Max(StringComparer.Ordinal)!);
    }
}
