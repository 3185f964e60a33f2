using System.Globalization;
using System.Text.Json.Nodes;
using MeliFunctions.Sandbox.Api;
using MeliFunctions.Sandbox.Common;
using MeliFunctions.Sandbox.World;

namespace MeliFunctions.Sandbox.Orders;

/// <summary>
/// <c>GET /orders/search</c> and its <c>/recent</c>, <c>/archived</c> and <c>/pending</c> variants.
/// payment_required orders are never listed (not visible to the seller yet).
/// </summary>
internal static class OrderSearchEndpoints
{
    private const int MaxLimit = 51;

    public static void Map(WebApplication app)
    {
        app.MapGet("/orders/search", (HttpContext c, SandboxWorld w) => Search(c, w, "all"));
        app.MapGet("/orders/search/recent", (HttpContext c, SandboxWorld w) => Search(c, w, "recent"));
        app.MapGet("/orders/search/archived", (HttpContext c, SandboxWorld w) => Search(c, w, "archived"));
        app.MapGet("/orders/search/pending", (HttpContext c, SandboxWorld w) => Search(c, w, "pending"));
    }

    private static string[] List(string value) => value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>MeLi filters dates at hour precision: minutes, seconds and milliseconds are dropped.</summary>
    private static DateTimeOffset Hour(DateTimeOffset d)
    {
        var utc = d.ToUniversalTime();
        return new DateTimeOffset(utc.Year, utc.Month, utc.Day, utc.Hour, 0, 0, TimeSpan.Zero);
    }

    private static IResult Search(HttpContext context, SandboxWorld world, string kind)
    {
        var q = context.Request.Query;
        var caller = ApiGate.SellerOf(context);
        long? seller = long.TryParse(q["seller"], out var s) ? s : null;
        long? buyer = long.TryParse(q["buyer"], out var b) ? b : null;
        if (seller is null && buyer is null)
        {
            return MeliJson.Error(400, "bad_request", "seller or buyer is required");
        }

        if (seller is not null && seller != caller || seller is null && buyer != caller)
        {
            return MeliJson.Error(403, "caller.id.invalid", "caller.id does not match buyer nor seller");
        }
        var offset = 0;
        var limit = 50;
        if (q["offset"].Count > 0 && (!int.TryParse(q["offset"], out offset) || offset < 0))
        {
            return MeliJson.Error(400, "bad_request", "offset must be a non-negative integer");
        }

        if (q["limit"].Count > 0 && (!int.TryParse(q["limit"], out limit) || limit < 1))
        {
            return MeliJson.Error(400, "bad_request", "limit must be a positive integer");
        }

        if (limit > MaxLimit)
        {
            return MeliJson.Error(400, "bad_request", $"limit must be at most {MaxLimit}");
        }

        var sort = q["sort"].Count > 0 ? q["sort"].ToString() : "date_asc";
        if (sort is not ("date_asc" or "date_desc"))
        {
            return MeliJson.Error(400, "bad_request", "sort must be date_asc or date_desc");
        }

        var ranges = new List<(Func<Order, DateTimeOffset?> Field, DateTimeOffset? From, DateTimeOffset? To, string Name)>();
        foreach (var (name, field) in new (string, Func<Order, DateTimeOffset?>)[]
        {
            ("order.date_created", o => o.DateCreated),
            ("order.date_closed", o => o.DateClosed),
            ("order.date_last_updated", o => o.LastUpdated),
        })
        {
            DateTimeOffset? from = null, to = null;
            foreach (var (suffix, set) in new (string, Action<DateTimeOffset>)[] { (".from", d => from = d), (".to", d => to = d) })
            {
                var raw = q[name + suffix].ToString();
                if (raw.Length == 0)
                {
                    continue;
                }

                if (!DateTimeOffset.TryParse(raw, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
                {
                    return MeliJson.Error(400, "bad_request", $"{name}{suffix} must be an ISO 8601 date");
                }
                set(Hour(parsed));
            }
            if (from is not null || to is not null)
            {
                ranges.Add((field, from, to, name));
            }
        }

        var statuses = List(q["order.status"].ToString());
        var tags = List(q["tags"].ToString());
        var tagsNot = List(q["tags.not"].ToString());
        var itemFilter = q["item"].ToString();
        var text = q["q"].ToString();

        lock (world.Sync)
        {
            var now = world.Now;
            IEnumerable<Order> orders = world.Orders.Values.Where(o => o.Status != "payment_required");
            if (seller is not null)
            {
                orders = orders.Where(o => o.SellerId == seller);
            }

            if (buyer is not null)
            {
                orders = orders.Where(o => o.BuyerId == buyer);
            }

            orders = kind switch
            {
                "recent" => orders.Where(o => o.ExpirationDate > now && o.SaleFeedback is null),
                "archived" => orders.Where(o => o.ExpirationDate <= now),
                "pending" => orders.Where(o => o.Status is "confirmed" or "payment_in_process" or "partially_paid"),
                _ => orders,
            };
            var selected = orders.Select(o => (Order: o, Tags: OrderRenderer.Tags(o, o.ShipmentId is { } sid ? world.Shipments[sid] : null)
                    .Select(t => t!.GetValue<string>()).ToHashSet(StringComparer.Ordinal)))
                .Where(x => statuses.Length == 0 || statuses.Contains(x.Order.Status))
                .Where(x => tags.Length == 0 || tags.Any(x.Tags.Contains))
                .Where(x => !tagsNot.Any(x.Tags.Contains))
                .Where(x => itemFilter.Length == 0 || x.Order.Lines.Any(l => string.Equals(l.ItemId, itemFilter, StringComparison.OrdinalIgnoreCase)))
                .Where(x => text.Length == 0 || Matches(x.Order, text, world))
                .Select(x => x.Order)
                .Where(o => ranges.All(r => r.Field(o) is { } d && (r.From is null || Hour(d) >= r.From) && (r.To is null || Hour(d) <= r.To)));

            // Sellers sort by date_closed (date_created when not closed), then id for a stable order.
            Func<Order, DateTimeOffset> key = seller is not null ? o => o.DateClosed ?? o.DateCreated : o => o.DateCreated;
            var sorted = (sort == "date_desc" ? selected.OrderByDescending(key).ThenByDescending(o => o.Id) : selected.OrderBy(key).ThenBy(o => o.Id)).ToList();

            var results = new JsonArray();
            foreach (var o in sorted.Skip(offset).Take(limit))
            {
                results.Add(SearchResult(o, world));
            }

            var filters = new JsonArray();
            if (statuses.Length > 0)
            {
                var values = new JsonArray();
                foreach (var st in statuses)
                {
                    values.Add(new JsonObject { ["id"] = st, ["name"] = st });
                }

                filters.Add(new JsonObject { ["id"] = "order.status", ["name"] = "Order Status", ["type"] = "text", ["values"] = values });
            }
            return MeliJson.Json(new JsonObject
            {
                ["query"] = text.Length == 0 ? null : text,
                ["results"] = results,
                ["sort"] = SortJson(sort),
                ["available_sorts"] = new JsonArray(SortJson(sort == "date_asc" ? "date_desc" : "date_asc")),
                ["filters"] = filters,
                ["paging"] = new JsonObject { ["total"] = sorted.Count, ["offset"] = offset, ["limit"] = limit },
                ["display"] = "complete",
                ["available_filters"] = AvailableFilters(),
            });
        }
    }

    private static bool Matches(Order o, string text, SandboxWorld world) =>
        o.Id.ToString(CultureInfo.InvariantCulture) == text
        || o.Lines.Any(l => string.Equals(l.ItemId, text, StringComparison.OrdinalIgnoreCase) || l.Title.Contains(text, StringComparison.OrdinalIgnoreCase))
        || string.Equals(world.Users[o.BuyerId].Nickname, text, StringComparison.OrdinalIgnoreCase);

    /// <summary>A search result: the order without the personal data MeLi removed from search (buyer and seller keep id and nickname).</summary>
    private static JsonObject SearchResult(Order o, SandboxWorld world)
    {
        var json = OrderRenderer.Render(o, world);
        foreach (var who in new[] { "buyer", "seller" })
        {
            var user = json[who]!;
            json[who] = new JsonObject { ["id"] = user["id"]?.DeepClone(), ["nickname"] = user["nickname"]?.DeepClone() };
        }
        json["date_last_updated"] = MeliJson.Date(o.LastUpdated);
        return json;
    }

    private static JsonObject SortJson(string id) => new() { ["id"] = id, ["name"] = id == "date_asc" ? "Date ascending" : "Date descending" };

    private static JsonArray AvailableFilters()
    {
        var statuses = new JsonArray();
        foreach (var st in new[] { "confirmed", "payment_required", "payment_in_process", "partially_paid", "paid", "partially_refunded", "pending_cancel", "cancelled", "invalid" })
        {
            statuses.Add(new JsonObject { ["id"] = st, ["name"] = st, ["results"] = null });
        }
        return [new JsonObject { ["id"] = "order.status", ["name"] = "Order Status", ["type"] = "text", ["values"] = statuses }];
    }
}
