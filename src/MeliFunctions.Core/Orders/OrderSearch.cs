using System.Globalization;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using MeliFunctions.Hosting;
using Microsoft.Extensions.Options;

namespace MeliFunctions.Orders;

/// <summary>
/// <c>GET /api/orders?seller=...</c>: the stored orders searched with Mercado Libre's filters and
/// answered in its search shape. It reads one seller's partition of <c>OrdersByDate</c>, over the
/// key range the date filters allow, with status and dates filtered by the table service; tags and
/// <c>q</c> are matched on the rows read; only the page's orders are read from <c>Orders</c>.
/// </summary>
public sealed class OrderSearch(OrderStore store, OrderSearchIndex index, IOptions<OrderSearchOptions> options, TimeProvider time)
{
    public async Task<ApiResponse> SearchAsync(IReadOnlyDictionary<string, string?> queryString, CancellationToken cancellationToken)
    {
        var (query, error, reason) = OrderSearchQuery.Parse(queryString);
        if (query is null)
        {
            return ApiResponse.Error(400, error!, reason!);
        }

        // With no lower date bound, the default window starts the key range (whole hours, as MeLi's filters).
        var defaultFrom = query.Created?.From is null && query.Closed?.From is null
            ? Sweeps.SweepRules.FloorHour(time.GetUtcNow() - options.Value.SearchWindow)
            : (DateTimeOffset?)null;
        var (fromKey, toKey, serverFilter) = Plan(query, defaultFrom);
        var matches = new List<OrderIndexRow>();
        var rowsRead = 0;
        await foreach (var row in index.QueryAsync(query.SellerId, fromKey, toKey, serverFilter, cancellationToken))
        {
            rowsRead++;
            if (MatchesOnRow(query, row))
            {
                matches.Add(row);
            }
        }

        // The table answers in RowKey order: the sort date, then the order id.
        if (query.Descending)
        {
            matches.Reverse();
        }

        var page = matches.Skip(query.Offset).Take(query.Limit).ToList();
        var orders = await Task.WhenAll(page.Select(row => LoadAsync(row, cancellationToken)));
        var results = new JsonArray(orders.OfType<JsonObject>().Select(o => (JsonNode)o).ToArray());
        var stale = orders.Count(o => o is null);

        return ApiResponse.Json(200, new JsonObject
        {
            ["query"] = query.Text,
            ["results"] = results,
            ["sort"] = Sort(query.Descending ? "date_desc" : "date_asc"),
            ["available_sorts"] = new JsonArray(Sort(query.Descending ? "date_asc" : "date_desc")),
            ["filters"] = Filters(query),
            ["paging"] = new JsonObject { ["total"] = matches.Count - stale, ["offset"] = query.Offset, ["limit"] = query.Limit },
            ["display"] = "complete",
            ["_search"] = new JsonObject
            {
                ["sort_date"] = "date_closed, else date_created",
                ["index_rows_read"] = rowsRead,
                ["key_range"] = new JsonObject { ["from"] = fromKey, ["to"] = toKey },
                ["default_window_from"] = defaultFrom,
            },
        });
    }

    /// <summary>
    /// The key range and the table-side filter. The sort date is <c>date_closed</c> or, before the
    /// order closes, <c>date_created</c>, and an order closes after it is created, so a lower bound
    /// on either date is a lower bound on the key; an upper bound on <c>date_closed</c> is an upper
    /// bound on the key of every order that has one (the others do not match it).
    /// </summary>
    internal static (string? FromKey, string? ToKey, string? Filter) Plan(OrderSearchQuery query, DateTimeOffset? defaultFrom = null)
    {
        var lower = new[] { query.Created?.From, query.Closed?.From, defaultFrom }.Max();
        var upper = query.Closed?.Before;
        var parts = new List<string>();
        if (query.Statuses.Count > 0)
        {
            parts.Add("(" + string.Join(" or ", query.Statuses.Select(s => TableClient.CreateQueryFilter($"Status eq {s}"))) + ")");
        }

        foreach (var (range, column) in new[] { (query.Created, "DateCreated"), (query.Closed, "DateClosed"), (query.LastUpdated, "LastUpdated") })
        {
            if (range is null)
            {
                continue;
            }

            if (range.From is { } from)
            {
                parts.Add($"{column} ge {TableClient.CreateQueryFilter($"{from}")}");
            }

            if (range.Before is { } before)
            {
                parts.Add($"{column} lt {TableClient.CreateQueryFilter($"{before}")}");
            }
        }

        return (lower is { } l ? OrderSearchIndex.KeyPrefix(l) : null, upper is { } u ? OrderSearchIndex.KeyPrefix(u) : null, parts.Count == 0 ? null : string.Join(" and ", parts));
    }

    /// <summary>Everything the query asks, on an index row (the table filtered status and dates already; checked again here).</summary>
    internal static bool MatchesOnRow(OrderSearchQuery query, OrderIndexRow row)
    {
        if (query.Statuses.Count > 0 && (row.Status is null || !query.Statuses.Contains(row.Status)))
        {
            return false;
        }

        if (!(query.Created?.Contains(row.DateCreated) ?? true) || !(query.Closed?.Contains(row.DateClosed) ?? true) || !(query.LastUpdated?.Contains(row.LastUpdated) ?? true))
        {
            return false;
        }

        if (query.Tags.Count > 0 && !query.Tags.Any(t => row.Tags.Contains($",{t},", StringComparison.Ordinal)))
        {
            return false;
        }

        if (query.TagsNot.Any(t => row.Tags.Contains($",{t},", StringComparison.Ordinal)))
        {
            return false;
        }

        return query.Text is not { } q || MatchesText(q, row);
    }

    /// <summary>MeLi's <c>q</c>: the order id, an item id, part of an item title, or the buyer's nickname (case does not matter).</summary>
    internal static bool MatchesText(string q, OrderIndexRow row) =>
        row.OrderId.ToString(CultureInfo.InvariantCulture) == q
        || (!q.Contains(',') && row.ItemIds.Contains($",{q},", StringComparison.OrdinalIgnoreCase))
        || row.ItemTitles.Contains(q.ToLowerInvariant(), StringComparison.Ordinal)
        || string.Equals(row.BuyerNickname, q, StringComparison.OrdinalIgnoreCase);

    /// <summary>The order as <c>GET /api/orders/{id}</c> shows it; null (and the row removed) if the row no longer agrees with the stored order.</summary>
    private async Task<JsonObject?> LoadAsync(OrderIndexRow row, CancellationToken cancellationToken)
    {
        var order = await store.GetAsync(row.SellerId, row.OrderId, cancellationToken);
        if (order is null || OrderSearchIndex.RowKey(order.Order, order.OrderId) != row.RowKey)
        {
            await index.DeleteStaleAsync(row, cancellationToken);
            return null;
        }

        var pack = order.PackId is { } packId ? await store.ListPackAsync(order.SellerId, packId, cancellationToken) : null;
        return order.ToApiJson(pack);
    }

    private static JsonObject Sort(string id) => new() { ["id"] = id, ["name"] = id == "date_asc" ? "Date ascending" : "Date descending" };

    private static JsonArray Filters(OrderSearchQuery query)
    {
        var filters = new JsonArray();
        void Add(string id, string name, IEnumerable<string> values) => filters.Add(new JsonObject
        {
            ["id"] = id,
            ["name"] = name,
            ["type"] = "text",
            ["values"] = new JsonArray(values.Select(v => (JsonNode)new JsonObject { ["id"] = v, ["name"] = v }).ToArray()),
        });

        Add("seller", "Seller", [query.SellerId]);
        if (query.Statuses.Count > 0)
        {
            Add("order.status", "Order Status", query.Statuses);
        }

        if (query.Tags.Count > 0)
        {
            Add("tags", "Tags", query.Tags);
        }

        if (query.TagsNot.Count > 0)
        {
            Add("tags.not", "Tags not", query.TagsNot);
        }

        foreach (var range in query.Ranges)
        {
            filters.Add(new JsonObject
            {
                ["id"] = range.Name,
                ["name"] = range.Name,
                ["type"] = "date_range",
                ["from"] = range.From,
                ["to"] = range.Before?.AddHours(-1),
            });
        }

        return filters;
    }
}
