using System.Globalization;
using System.Text.RegularExpressions;
using MeliFunctions.Hosting;

namespace MeliFunctions.Orders;

/// <summary>A date filter: MeLi filters dates by the hour, so both ends are whole hours (UTC) and <see cref="Before"/> is one hour past <c>.to</c>.</summary>
public sealed record DateRange(string Name, DateTimeOffset? From, DateTimeOffset? Before)
{
    public bool Contains(DateTimeOffset? value) =>
        value is { } v && (From is null || v >= From) && (Before is null || v < Before);
}

/// <summary>
/// <c>GET /api/orders</c>'s query, with Mercado Libre's names and meanings (<c>/orders/search</c>):
/// <c>seller</c> (required), <c>order.status</c>, <c>tags</c>, <c>tags.not</c> (comma-separated,
/// any of), <c>q</c> (order id, item id, item title, buyer nickname), the <c>.from</c>/<c>.to</c>
/// ranges on <c>order.date_created</c>, <c>order.date_closed</c> and <c>order.date_last_updated</c>
/// (by the hour, as MeLi), <c>sort</c> (<c>date_asc</c>, the default, or <c>date_desc</c>),
/// <c>offset</c> and <c>limit</c> (50 by default, at most 51).
/// </summary>
public sealed partial record OrderSearchQuery(
    string SellerId,
    IReadOnlyList<string> Statuses,
    IReadOnlyList<string> Tags,
    IReadOnlyList<string> TagsNot,
    string? Text,
    DateRange? Created,
    DateRange? Closed,
    DateRange? LastUpdated,
    bool Descending,
    int Offset,
    int Limit)
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 51;
    public const int MaxTextLength = 200;

    /// <summary>Mercado Libre's order statuses.</summary>
    public static readonly IReadOnlyList<string> KnownStatuses =
        ["confirmed", "payment_required", "payment_in_process", "partially_paid", "paid", "partially_refunded", "pending_cancel", "cancelled", "invalid"];

    private static readonly HashSet<string> Known =
        ["seller", "order.status", "tags", "tags.not", "q", "sort", "offset", "limit", "code",
         "order.date_created.from", "order.date_created.to", "order.date_closed.from", "order.date_closed.to",
         "order.date_last_updated.from", "order.date_last_updated.to"];

    public IEnumerable<DateRange> Ranges => new[] { Created, Closed, LastUpdated }.OfType<DateRange>();

    /// <summary>Reads the query string; the error is a reason a person can act on.</summary>
    public static (OrderSearchQuery? Query, string? Error, string? Reason) Parse(IReadOnlyDictionary<string, string?> query)
    {
        foreach (var name in query.Keys)
        {
            if (!Known.Contains(name))
            {
                return Fail("unknown_filter", $"'{name}' is not a filter of this search. Filters: {string.Join(", ", Known.Where(k => k != "code").Order(StringComparer.Ordinal))}.");
            }
        }

        // The id as sent, not trimmed: "123\n" is not a seller id.
        var seller = Value(query, "seller") is null ? null : query["seller"];
        if (seller is null)
        {
            return Fail("missing_seller", "Name the seller: ?seller=<Mercado Libre user id>.");
        }

        if (!RequestKeys.IsMeliId(seller))
        {
            return Fail("invalid_seller", $"seller must be a Mercado Libre user id (digits), not '{seller}'.");
        }

        var statuses = List(query, "order.status");
        if (statuses.FirstOrDefault(s => !KnownStatuses.Contains(s)) is { } badStatus)
        {
            return Fail("invalid_status", $"order.status '{badStatus}' is not a Mercado Libre order status ({string.Join(", ", KnownStatuses)}).");
        }

        var tags = List(query, "tags");
        var tagsNot = List(query, "tags.not");
        if (tags.Concat(tagsNot).FirstOrDefault(t => !Tag().IsMatch(t)) is { } badTag)
        {
            return Fail("invalid_tag", $"tag '{badTag}' is not a tag: tags are lower-case letters, digits and '_'.");
        }

        var text = Value(query, "q");
        if (text is { Length: > MaxTextLength })
        {
            return Fail("invalid_q", $"q is at most {MaxTextLength} characters.");
        }

        DateRange? created = null, closed = null, lastUpdated = null;
        foreach (var name in new[] { "order.date_created", "order.date_closed", "order.date_last_updated" })
        {
            DateTimeOffset? from = null, to = null;
            foreach (var end in new[] { "from", "to" })
            {
                if (Value(query, $"{name}.{end}") is not { } raw)
                {
                    continue;
                }

                if (!DateTimeOffset.TryParse(raw, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
                {
                    return Fail("invalid_date", $"{name}.{end} must be an ISO 8601 date (2015-07-01T00:00:00.000-00:00), not '{raw}'.");
                }

                if (end == "from")
                {
                    from = Hour(parsed);
                }
                else
                {
                    to = Hour(parsed);
                }
            }

            if (from > to)
            {
                return Fail("invalid_date", $"{name}.from is after {name}.to.");
            }

            var range = from is null && to is null ? null : new DateRange(name, from, to?.AddHours(1));
            switch (name)
            {
                case "order.date_created": created = range; break;
                case "order.date_closed": closed = range; break;
                default: lastUpdated = range; break;
            }
        }

        var sort = Value(query, "sort") ?? "date_asc";
        if (sort is not ("date_asc" or "date_desc"))
        {
            return Fail("invalid_sort", $"sort must be date_asc or date_desc, not '{sort}'.");
        }

        var offset = 0;
        if (Value(query, "offset") is { } rawOffset && (!int.TryParse(rawOffset, NumberStyles.None, CultureInfo.InvariantCulture, out offset) || offset < 0))
        {
            return Fail("invalid_offset", $"offset must be a non-negative integer, not '{rawOffset}'.");
        }

        var limit = DefaultLimit;
        if (Value(query, "limit") is { } rawLimit && (!int.TryParse(rawLimit, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit < 1 || limit > MaxLimit))
        {
            return Fail("invalid_limit", $"limit must be an integer from 1 to {MaxLimit}, not '{rawLimit}'.");
        }

        return (new OrderSearchQuery(seller, statuses, tags, tagsNot, text, created, closed, lastUpdated, sort == "date_desc", offset, limit), null, null);
    }

    /// <summary>MeLi filters dates at hour precision: minutes, seconds and milliseconds are dropped.</summary>
    public static DateTimeOffset Hour(DateTimeOffset d)
    {
        var utc = d.ToUniversalTime();
        return new DateTimeOffset(utc.Year, utc.Month, utc.Day, utc.Hour, 0, 0, TimeSpan.Zero);
    }

    private static (OrderSearchQuery?, string?, string?) Fail(string error, string reason) => (null, error, reason);

    private static string? Value(IReadOnlyDictionary<string, string?> query, string name) =>
        query.TryGetValue(name, out var value) && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;

    private static List<string> List(IReadOnlyDictionary<string, string?> query, string name) =>
        Value(query, name)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.Ordinal).ToList() ?? [];

    [GeneratedRegex("^[a-z0-9_]{1,64}\\z")]
    private static partial Regex Tag();
}
