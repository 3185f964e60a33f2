using System.Net;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using MeliFunctions.Orders;
using MeliFunctions.Storage;
using MeliFunctions.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace MeliFunctions.Tests.Operations;

/// <summary>
/// <c>GET /api/orders?seller=...</c> over real Azurite: MeLi's filters and shape, the index that
/// keeps one seller's date range from reading every order, and 400s that say what is wrong.
/// </summary>
public sealed class OrderSearchTests(MeliWorld world) : IClassFixture<MeliWorld>
{
    private static readonly DateTimeOffset Jan = new(2024, 1, 10, 12, 0, 0, TimeSpan.FromHours(-3));
    private static readonly DateTimeOffset Mar = new(2024, 3, 5, 9, 30, 0, TimeSpan.FromHours(-3));

    private OrderStore Store => world.Server.App.Services.GetRequiredService<OrderStore>();

    private static JsonObject Order(long id, string status, DateTimeOffset created, DateTimeOffset? closed, string[] tags, string itemId, string title, string buyer, int version = 0) => new()
    {
        ["id"] = id,
        ["status"] = status,
        ["date_created"] = created.ToString("yyyy-MM-ddTHH:mm:ss.fffzzz"),
        ["date_closed"] = closed?.ToString("yyyy-MM-ddTHH:mm:ss.fffzzz"),
        ["last_updated"] = (closed ?? created).AddMinutes(version).ToString("yyyy-MM-ddTHH:mm:ss.fffzzz"),
        ["tags"] = new JsonArray(tags.Select(t => (JsonNode)JsonValue.Create(t)).ToArray()),
        ["order_items"] = new JsonArray(new JsonObject { ["item"] = new JsonObject { ["id"] = itemId, ["title"] = title }, ["quantity"] = 1 }),
        ["buyer"] = new JsonObject { ["id"] = 77, ["nickname"] = buyer },
        ["total_amount"] = 100,
        ["currency_id"] = "ARS",
    };

    /// <summary>Six orders of one seller (January and March, paid and cancelled), one of another seller.</summary>
    private async Task<string> SeedAsync(string seller)
    {
        var n = long.Parse(seller) * 100;
        var orders = new[]
        {
            Order(n + 1, "paid", Jan, Jan.AddMinutes(2), ["paid", "delivered"], "MLA100", "Zapatillas Running", "COMPRADOR_A"),
            Order(n + 2, "cancelled", Jan.AddHours(1), null, ["not_delivered"], "MLA200", "Remera Azul", "COMPRADOR_B"),
            Order(n + 3, "paid", Jan.AddDays(2), Jan.AddDays(2).AddMinutes(1), ["paid", "not_delivered"], "MLA300", "Gorra Roja", "COMPRADOR_C"),
            Order(n + 4, "paid", Mar, Mar.AddMinutes(1), ["paid", "mshops"], "MLA100", "Zapatillas Running", "COMPRADOR_D"),
            Order(n + 5, "cancelled", Mar.AddHours(2), Mar.AddHours(2).AddMinutes(5), ["paid"], "MLA400", "Mochila Negra", "COMPRADOR_A"),
            Order(n + 6, "paid", Mar.AddDays(1), Mar.AddDays(1).AddMinutes(3), ["paid", "delivered"], "MLA500", "Campera Verde", "COMPRADOR_E"),
        };
        foreach (var order in orders)
        {
            await Store.UpsertIfNewerAsync(seller, order, [], DateTimeOffset.UtcNow, CancellationToken.None);
        }

        var other = (long.Parse(seller) + 1).ToString();
        await Store.UpsertIfNewerAsync(other, Order((n * 10) + 9, "paid", Mar, Mar, ["paid"], "MLA100", "Zapatillas Running", "COMPRADOR_A"), [], DateTimeOffset.UtcNow, CancellationToken.None);
        return seller;
    }

    /// <summary>The fixtures are from 2024: searches without a lower date bound name one (else the default window applies).</summary>
    private const string Since2023 = "&order.date_created.from=2023-01-01T00:00:00Z";

    private async Task<JsonObject> SearchAsync(string query)
    {
        if (!query.Contains("date_created.from=", StringComparison.Ordinal) && !query.Contains("date_closed.from=", StringComparison.Ordinal) && query.StartsWith("seller=", StringComparison.Ordinal))
        {
            query += Since2023;
        }

        var response = await world.Server.Management.GetAsync("api/orders?" + query);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} {body}");
        return JsonNode.Parse(body)!.AsObject();
    }

    private static long[] Ids(JsonObject answer) => answer["results"]!.AsArray().Select(o => o!["id"]!.GetValue<long>()).ToArray();

    [Fact]
    public async Task Filters_sort_and_paging_follow_MeLis_search()
    {
        var seller = await SeedAsync("810001");
        var n = 81000100L;

        var all = await SearchAsync($"seller={seller}");
        // MeLi's sorting date for a seller: date_closed, else date_created; ascending by default.
        Assert.Equal([n + 1, n + 2, n + 3, n + 4, n + 5, n + 6], Ids(all));
        Assert.Equal(6, all["paging"]!["total"]!.GetValue<int>());
        Assert.Equal(50, all["paging"]!["limit"]!.GetValue<int>());
        Assert.Equal("date_asc", all["sort"]!["id"]!.GetValue<string>());
        Assert.Equal("date_desc", all["available_sorts"]![0]!["id"]!.GetValue<string>());
        // Each result is the order as GET /api/orders/{id} shows it.
        Assert.Equal(seller, all["results"]![0]!["_sync"]!["seller_id"]!.GetValue<string>());
        Assert.Equal("Zapatillas Running", all["results"]![0]!["order_items"]![0]!["item"]!["title"]!.GetValue<string>());

        Assert.Equal([n + 6, n + 5, n + 4, n + 3, n + 2, n + 1], Ids(await SearchAsync($"seller={seller}&sort=date_desc")));
        Assert.Equal([n + 1, n + 3, n + 4, n + 6], Ids(await SearchAsync($"seller={seller}&order.status=paid")));
        Assert.Equal([n + 1, n + 2, n + 3, n + 4, n + 5, n + 6], Ids(await SearchAsync($"seller={seller}&order.status=paid,cancelled")));
        Assert.Equal([n + 4], Ids(await SearchAsync($"seller={seller}&tags=mshops")));
        Assert.Equal([n + 2, n + 3, n + 4], Ids(await SearchAsync($"seller={seller}&tags=not_delivered,mshops")));
        Assert.Equal([n + 2, n + 3, n + 4, n + 5], Ids(await SearchAsync($"seller={seller}&tags.not=delivered")));
        Assert.Equal([n + 3, n + 5], Ids(await SearchAsync($"seller={seller}&tags=paid&tags.not=delivered,mshops")));
        Assert.Equal([n + 1, n + 5], Ids(await SearchAsync($"seller={seller}&q=comprador_a")));
        Assert.Equal([n + 1, n + 4], Ids(await SearchAsync($"seller={seller}&q=mla100")));
        Assert.Equal([n + 4], Ids(await SearchAsync($"seller={seller}&q=zapatillas&order.date_created.from=2024-02-01T00:00:00.000-03:00")));
        Assert.Equal([n + 3], Ids(await SearchAsync($"seller={seller}&q={n + 3}")));
        Assert.Equal([n + 6], Ids(await SearchAsync($"seller={seller}&q=VERDE")));

        var page = await SearchAsync($"seller={seller}&offset=2&limit=2");
        Assert.Equal([n + 3, n + 4], Ids(page));
        Assert.Equal(6, page["paging"]!["total"]!.GetValue<int>());
        Assert.Equal(2, page["paging"]!["offset"]!.GetValue<int>());
        Assert.Equal(2, page["paging"]!["limit"]!.GetValue<int>());
        Assert.Empty(Ids(await SearchAsync($"seller={seller}&offset=6")));
    }

    [Fact]
    public async Task A_search_with_no_lower_date_reads_only_the_default_window()
    {
        const string seller = "840001";
        var recent = DateTimeOffset.UtcNow.AddDays(-3);
        await Store.UpsertIfNewerAsync(seller, Order(84000101, "paid", Jan, Jan.AddMinutes(1), ["paid"], "MLA1", "Bici", "B1"), [], DateTimeOffset.UtcNow, CancellationToken.None);
        await Store.UpsertIfNewerAsync(seller, Order(84000102, "paid", recent, recent.AddMinutes(1), ["paid"], "MLA2", "Casco", "B2"), [], DateTimeOffset.UtcNow, CancellationToken.None);

        var response = await world.Server.Management.GetAsync($"api/orders?seller={seller}");
        var answer = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();

        // 90 days by default (Orders__SearchWindow): the 2024 order's row is not even read.
        Assert.Equal([84000102L], Ids(answer));
        Assert.Equal(1, answer["_search"]!["index_rows_read"]!.GetValue<int>());
        Assert.NotNull(answer["_search"]!["default_window_from"]);
        var both = Ids(await SearchAsync($"seller={seller}"));
        Assert.Equal([84000101L, 84000102L], both);
    }

    [Fact]
    public async Task Date_ranges_are_by_the_hour_and_read_only_their_key_range()
    {
        var seller = await SeedAsync("820001");
        var n = 82000100L;

        // March only: the index range starts at March 1st, so the January rows are never read.
        var march = await SearchAsync($"seller={seller}&order.date_created.from=2024-03-01T00:00:00.000-03:00&order.date_created.to=2024-03-31T23:00:00.000-03:00");
        Assert.Equal([n + 4, n + 5, n + 6], Ids(march));
        Assert.Equal(3, march["_search"]!["index_rows_read"]!.GetValue<int>());

        // date_closed bounds both ends of the key range; an order without date_closed never matches it.
        var closedJan = await SearchAsync($"seller={seller}&order.date_closed.from=2024-01-01T00:00:00Z&order.date_closed.to=2024-01-31T00:00:00Z");
        Assert.Equal([n + 1, n + 3], Ids(closedJan));
        Assert.Equal(2, closedJan["_search"]!["index_rows_read"]!.GetValue<int>());

        // Minutes are dropped, as MeLi does: 12:59 means "the 12 o'clock hour", so 12:00 and 12:02 (UTC-3) both match.
        Assert.Equal([n + 1], Ids(await SearchAsync($"seller={seller}&order.date_created.from=2024-01-10T12:59:00.000-03:00&order.date_created.to=2024-01-10T12:01:00.000-03:00")));
        Assert.Equal([n + 2], Ids(await SearchAsync($"seller={seller}&order.date_last_updated.from=2024-01-10T13:00:00-03:00&order.date_last_updated.to=2024-01-10T13:00:00-03:00")));

        // A status and a range: the table filters the status, so only the range's rows are read.
        var paidMarch = await SearchAsync($"seller={seller}&order.status=cancelled&order.date_created.from=2024-03-01T00:00:00Z");
        Assert.Equal([n + 5], Ids(paidMarch));
        Assert.Equal(1, paidMarch["_search"]!["index_rows_read"]!.GetValue<int>());
    }

    [Fact]
    public async Task Closing_an_order_moves_its_index_row_and_it_is_found_once()
    {
        const string seller = "830001";
        var created = new DateTimeOffset(2024, 5, 1, 10, 0, 0, TimeSpan.Zero);
        await Store.UpsertIfNewerAsync(seller, Order(83000101, "payment_in_process", created, null, [], "MLA1", "Bici", "B1"), [], DateTimeOffset.UtcNow, CancellationToken.None);
        await Store.UpsertIfNewerAsync(seller, Order(83000102, "paid", created.AddHours(5), created.AddHours(5), ["paid"], "MLA2", "Casco", "B2"), [], DateTimeOffset.UtcNow, CancellationToken.None);
        Assert.Equal(new[] { 83000101L, 83000102L }, Ids(await SearchAsync($"seller={seller}")));

        // Paid ten hours later: its sort date becomes date_closed, after the other order's.
        await Store.UpsertIfNewerAsync(seller, Order(83000101, "paid", created, created.AddHours(10), ["paid"], "MLA1", "Bici", "B1", version: 1), [], DateTimeOffset.UtcNow, CancellationToken.None);

        Assert.Equal(new[] { 83000102L, 83000101L }, Ids(await SearchAsync($"seller={seller}")));
        Assert.Equal(new[] { 83000101L }, Ids(await SearchAsync($"seller={seller}&order.status=paid&q=bici")));
        var rows = world.Server.Storage.Table(StorageNames.OrdersByDateTable).QueryAsync<TableEntity>(e => e.PartitionKey == seller);
        var keys = new List<string>();
        await foreach (var row in rows)
        {
            keys.Add(row.RowKey);
        }

        Assert.Equal(2, keys.Count);
        Assert.Equal(OrderSearchIndex.RowKey(created.AddHours(10), 83000101), keys[1]);
    }

    [Fact]
    public async Task An_order_created_through_the_sandbox_is_found_by_its_buyer_item_and_title()
    {
        var seller = await world.ConnectSellerAsync("TIENDA_SEARCH");
        var (orderId, order) = await world.CreatePaidOrderAsync(seller);
        await world.WaitForStoredOrderAsync(orderId);
        var itemId = order.GetProperty("order_items")[0].GetProperty("item").GetProperty("id").GetString()!;
        var nickname = order.GetProperty("buyer").GetProperty("nickname").GetString()!;

        foreach (var q in new[] { nickname, itemId, "running talle", orderId.ToString() })
        {
            var answer = await SearchAsync($"seller={seller}&order.status=paid&q={Uri.EscapeDataString(q)}");
            Assert.Equal([orderId], Ids(answer));
            Assert.Equal(q, answer["query"]!.GetValue<string>());
        }

        var truth = JsonNode.Parse((await world.Admin.GetOrderAsync(orderId)).GetRawText())!.AsObject();
        var found = (await SearchAsync($"seller={seller}"))["results"]![0]!.AsObject();
        found.Remove("_sync");
        Assert.True(JsonNode.DeepEquals(truth, found), $"search result differs from MeLi's order:\n{found}\n{truth}");
    }

    [Theory]
    [InlineData("", "missing_seller")]
    [InlineData("seller=abc", "invalid_seller")]
    [InlineData("seller=1&order.status=shipped", "invalid_status")]
    [InlineData("seller=1&tags=Not%20A%20Tag", "invalid_tag")]
    [InlineData("seller=1&limit=52", "invalid_limit")]
    [InlineData("seller=1&limit=0", "invalid_limit")]
    [InlineData("seller=1&offset=-1", "invalid_offset")]
    [InlineData("seller=1&sort=price_asc", "invalid_sort")]
    [InlineData("seller=1&order.date_created.from=yesterday", "invalid_date")]
    [InlineData("seller=1&order.date_closed.from=2024-02-01T00:00:00Z&order.date_closed.to=2024-01-01T00:00:00Z", "invalid_date")]
    [InlineData("seller=1&buyer=2", "unknown_filter")]
    public async Task Bad_filters_answer_400_with_a_reason(string query, string error)
    {
        var response = await world.Server.Management.GetAsync("api/orders?" + query);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(error, body["error"]!.GetValue<string>());
        Assert.False(string.IsNullOrWhiteSpace(body["message"]!.GetValue<string>()));
    }

    [Fact]
    public async Task The_search_needs_the_management_key()
    {
        var response = await world.Server.Http.GetAsync("api/orders?seller=1");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}
