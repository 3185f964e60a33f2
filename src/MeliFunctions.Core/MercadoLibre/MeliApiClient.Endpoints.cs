using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace MeliFunctions.MercadoLibre;

/// <summary>One method per Mercado Libre endpoint the product uses; MeLi's paths are written here and in <see cref="MeliRequests"/> only.</summary>
public sealed partial class MeliApiClient
{
    /// <summary>What the reconcile reads of a listing.</summary>
    private const string ItemAttributes = "id,status,sub_status,available_quantity,variations";

    private static readonly IReadOnlyDictionary<string, string> NewFormat = new Dictionary<string, string> { ["x-format-new"] = "true" };

    /// <summary>
    /// <c>/orders/search?seller=</c> (or <c>/orders/search/pending</c>) with the search's filters. Dates
    /// are sent as MeLi takes them; MeLi keeps their hour only.
    /// </summary>
    public async Task<MeliOrderSearchPage> SearchOrdersAsync(MeliOrderSearch search, CancellationToken cancellationToken)
    {
        var url = new StringBuilder(search.Pending ? "orders/search/pending" : "orders/search");
        url.Append("?seller=").Append(Uri.EscapeDataString(search.SellerId));
        if (search.Statuses is { Count: > 0 } statuses)
        {
            url.Append("&order.status=").Append(Uri.EscapeDataString(string.Join(',', statuses)));
        }

        if (search.CreatedFrom is { } created)
        {
            url.Append("&order.date_created.from=").Append(Uri.EscapeDataString(FilterDate(created)));
        }

        if (search.LastUpdatedFrom is { } updated)
        {
            url.Append("&order.date_last_updated.from=").Append(Uri.EscapeDataString(FilterDate(updated)));
        }

        if (search.Sort is { } sort)
        {
            url.Append("&sort=").Append(Uri.EscapeDataString(sort));
        }

        url.Append(CultureInfo.InvariantCulture, $"&offset={search.Offset}&limit={search.Limit}");
        var json = await GetJsonAsync(search.SellerId, search.Pending ? "orders.search_pending" : "orders.search", url.ToString(), cancellationToken);
        var results = (json?["results"] as JsonArray ?? []).OfType<JsonObject>().Select(r => (JsonObject)r.DeepClone()).ToList();
        return new MeliOrderSearchPage(results, MeliJsonRead.Int(json?["paging"]?["total"]));
    }

    /// <summary><c>GET /orders/{id}/discounts</c>: the discounts that touched a sale (coupons, campaigns, cashback).</summary>
    public async Task<MeliOrderDiscounts> GetOrderDiscountsAsync(string sellerId, long orderId, CancellationToken cancellationToken) =>
        MeliOrderDiscounts.FromJson(await GetJsonAsync(sellerId, "orders.discounts", $"orders/{Id(orderId)}/discounts", cancellationToken));

    /// <summary><c>GET /shipments/{id}</c> with <c>x-format-new: true</c>.</summary>
    public async Task<MeliShipment> GetShipmentAsync(string sellerId, long shipmentId, CancellationToken cancellationToken)
    {
        var json = await GetJsonAsync(sellerId, "shipments.get", $"shipments/{Id(shipmentId)}", cancellationToken, NewFormat) as JsonObject
                   ?? throw new MeliApiException(MeliErrorKind.Transient, 200, "invalid_response", $"GET /shipments/{shipmentId} did not answer an object");
        return MeliShipment.FromJson(shipmentId, json);
    }

    /// <summary><c>GET /packs/{id}</c>: a cart's orders and its shipment.</summary>
    public async Task<MeliPack> GetPackAsync(string sellerId, long packId, CancellationToken cancellationToken) =>
        MeliPack.FromJson(packId, await GetJsonAsync(sellerId, "packs.get", $"packs/{Id(packId)}", cancellationToken));

    /// <summary><c>GET /items/{id}</c>, with the attributes the reconcile reads.</summary>
    public async Task<MeliItem> GetItemAsync(string sellerId, string itemId, CancellationToken cancellationToken) =>
        MeliItem.FromJson(await GetJsonAsync(sellerId, "items.get", $"items/{Uri.EscapeDataString(itemId)}?attributes={ItemAttributes}", cancellationToken))
        ?? throw new MeliApiException(MeliErrorKind.Transient, 200, "invalid_response", $"GET /items/{itemId} did not answer a listing");

    /// <summary>The multiget <c>GET /items?ids=</c> (20 ids at most): MeLi's code per listing.</summary>
    public async Task<IReadOnlyList<MeliMultigetEntry>> GetItemsAsync(string sellerId, IReadOnlyCollection<string> itemIds, CancellationToken cancellationToken)
    {
        var ids = string.Join(',', itemIds.Select(Uri.EscapeDataString));
        var json = await GetJsonAsync(sellerId, "items.multiget", $"items?ids={ids}&attributes={ItemAttributes}", cancellationToken) as JsonArray
                   ?? throw new MeliApiException(MeliErrorKind.Transient, 200, "invalid_response", "the multiget did not answer an array");
        return json.Select(a => new MeliMultigetEntry(
                MeliJsonRead.Text(a?["body"]?["id"]),
                MeliJsonRead.Int(a?["code"]) ?? 0,
                MeliJsonRead.Int(a?["code"]) == 200 ? MeliItem.FromJson(a?["body"]) : null))
            .ToList();
    }

    /// <summary><c>PUT /items/{id}</c> with a listing's stock.</summary>
    public Task UpdateItemStockAsync(string sellerId, string itemId, MeliStockUpdate update, CancellationToken cancellationToken) =>
        SendAsync(sellerId, MeliRequests.UpdateItemStock(itemId, update), cancellationToken);

    /// <summary><c>POST /orders/{id}/feedback</c>.</summary>
    public Task GiveFeedbackAsync(string sellerId, long orderId, JsonObject feedback, CancellationToken cancellationToken) =>
        SendAsync(sellerId, MeliRequests.GiveFeedback(orderId, feedback), cancellationToken);

    /// <summary><c>GET /orders/{id}/feedback</c>: <c>{"sale", "purchase"}</c> as MeLi answers.</summary>
    public Task<JsonNode?> GetFeedbackAsync(string sellerId, long orderId, CancellationToken cancellationToken) =>
        SendAsync(sellerId, MeliRequests.ReadFeedback(orderId), cancellationToken);

    /// <summary><c>GET /orders/{id}/notes</c>.</summary>
    public async Task<MeliNotes> ListNotesAsync(string sellerId, long orderId, CancellationToken cancellationToken) =>
        MeliNotes.FromJson(await GetJsonAsync(sellerId, "orders.notes.get", $"orders/{Id(orderId)}/notes", cancellationToken));

    /// <summary><c>POST /orders/{id}/notes</c>.</summary>
    public Task AddNoteAsync(string sellerId, long orderId, string note, CancellationToken cancellationToken) =>
        SendAsync(sellerId, MeliRequests.AddNote(orderId, note), cancellationToken);

    /// <summary><c>GET /users/{sellerId}/order_blacklist</c>.</summary>
    public async Task<MeliBlacklist> GetBlacklistAsync(string sellerId, CancellationToken cancellationToken) =>
        MeliBlacklist.FromJson(await GetJsonAsync(sellerId, "order_blacklist.get", $"users/{Uri.EscapeDataString(sellerId)}/order_blacklist", cancellationToken));

    /// <summary><c>POST /users/{sellerId}/order_blacklist</c>.</summary>
    public Task BlockBuyerAsync(string sellerId, long userId, CancellationToken cancellationToken) =>
        SendAsync(sellerId, MeliRequests.BlockBuyer(sellerId, userId), cancellationToken);

    /// <summary><c>GET /currency_conversions/search?from=&amp;to=</c>: MeLi's <c>ratio</c>.</summary>
    public async Task<decimal> GetConversionRatioAsync(string sellerId, string from, string to, CancellationToken cancellationToken)
    {
        var answer = await GetJsonAsync(
            sellerId, "currency_conversions.search", $"currency_conversions/search?from={Uri.EscapeDataString(from)}&to={Uri.EscapeDataString(to)}", cancellationToken);
        return MeliJsonRead.Decimal(answer?["ratio"])
               ?? throw new MeliApiException(MeliErrorKind.Transient, 200, "invalid_response", $"no ratio from {from} to {to}");
    }

    /// <summary><c>GET /missed_feeds?app_id=</c>: a page of the notifications MeLi could not deliver (last 2 days).</summary>
    public async Task<IReadOnlyList<MeliMissedFeed>> GetMissedFeedsAsync(string sellerId, string appId, int offset, int limit, CancellationToken cancellationToken)
    {
        var json = await GetJsonAsync(sellerId, "missed_feeds", $"missed_feeds?app_id={Uri.EscapeDataString(appId)}&offset={offset}&limit={limit}", cancellationToken);
        return (json?["messages"] as JsonArray ?? []).OfType<JsonObject>().Select(MeliMissedFeed.FromJson).ToList();
    }

    /// <summary>Sends a call built by <see cref="MeliRequests"/> and answers MeLi's JSON.</summary>
    public async Task<JsonNode?> SendAsync(string sellerId, MeliRequest request, CancellationToken cancellationToken)
    {
        var (json, _) = await SendForJsonAsync(sellerId, request.Operation, () =>
        {
            var message = new HttpRequestMessage(request.Method, request.Path);
            if (request.Body is not null)
            {
                message.Content = new StringContent(request.Body.ToJsonString(), Encoding.UTF8);
                message.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
            }

            return message;
        }, cancellationToken);
        return json;
    }

    /// <summary>A date as Mercado Libre's search filters take it: <c>2026-11-23T01:00:00.000-00:00</c>.</summary>
    public static string FilterDate(DateTimeOffset value) =>
        value.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'-00:00'", CultureInfo.InvariantCulture);

    private static string Id(long id) => id.ToString(CultureInfo.InvariantCulture);
}
