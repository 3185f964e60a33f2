using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;

namespace MeliFunctions.Sandbox.Tests;

public sealed class SearchTests
{
    private static readonly DateTimeOffset Start = DateTimeOffset.Parse("2026-03-10T10:30:00Z", CultureInfo.InvariantCulture);

    private static long[] Ids(JsonElement search) => search.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("id").GetInt64()).ToArray();

    private static async Task<(SandboxHarness H, long Seller, string Token, long[] Orders, string Item)> WorldAsync(FakeTimeProvider clock)
    {
        var h = await SandboxHarness.StartAsync(clock: clock);
        var (seller, token, _) = await h.ConnectSellerAsync("SELLER1");
        var item = await h.CreateItemAsync(seller, quantity: 100, title: "Cola Silk Sublimacao");
        var other = await h.CreateItemAsync(seller, quantity: 100, title: "Caneta azul");
        var orders = new List<long>();
        // 10:30, 11:30, 12:30, 13:30 UTC; the third is for another listing, the fourth is cancelled.
        for (var i = 0; i < 4; i++)
        {
            var o = await h.Admin.CreateOrderAsync(seller, i == 2 ? other : item);
            orders.Add(o.GetProperty("id").GetInt64());
            clock.Advance(TimeSpan.FromHours(1));
        }
        await h.Admin.OrderActionAsync(orders[3], "cancel", "buyer");
        await h.Admin.CreateOrderAsync(seller, item, status: "payment_required");
        return (h, seller, token, orders.ToArray(), item);
    }

    [Fact]
    public async Task Search_answers_the_seed_shape()
    {
        var clock = new FakeTimeProvider(Start);
        var (h, seller, token, orders, _) = await WorldAsync(clock);
        await using var _ = h;
        var (status, search) = await h.GetAsync($"/orders/search?seller={seller}&q={orders[0]}", token);
        Assert.Equal(200, status);
        var problems = JsonShape.Differences(JsonShape.Fixture("orders_search.json"), search, new HashSet<string>
        {
            "$.results[].application_id", "$.results[].shipping_cost", "$.results[].fulfilled", "$.results[].order_items[].item.warranty",
        });
        // MeLi removed personal data of buyer and seller from search results: only id and nickname stay.
        problems.RemoveAll(p => p.StartsWith("$.results[].buyer.", StringComparison.Ordinal) || p.StartsWith("$.results[].seller.", StringComparison.Ordinal) && !p.Contains(".id", StringComparison.Ordinal) && !p.Contains(".nickname", StringComparison.Ordinal));
        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
        Assert.Equal([orders[0]], Ids(search));
        Assert.False(search.GetProperty("results")[0].GetProperty("buyer").TryGetProperty("email", out JsonElement _));
    }

    [Fact]
    public async Task Filters_by_status_tags_item_and_text_and_hides_payment_required()
    {
        var clock = new FakeTimeProvider(Start);
        var (h, seller, token, orders, item) = await WorldAsync(clock);
        await using var _ = h;
        Assert.Equal(orders, Ids((await h.GetAsync($"/orders/search?seller={seller}", token)).Body));
        Assert.Equal([orders[3]], Ids((await h.GetAsync($"/orders/search?seller={seller}&order.status=cancelled", token)).Body));
        Assert.Equal(orders[..3], Ids((await h.GetAsync($"/orders/search?seller={seller}&order.status=paid,confirmed", token)).Body));
        Assert.Equal(orders[..3], Ids((await h.GetAsync($"/orders/search?seller={seller}&tags=not_delivered", token)).Body));
        Assert.Equal([orders[3]], Ids((await h.GetAsync($"/orders/search?seller={seller}&tags.not=paid", token)).Body));
        Assert.Equal([orders[0], orders[1], orders[3]], Ids((await h.GetAsync($"/orders/search?seller={seller}&item={item}", token)).Body));
        Assert.Equal([orders[2]], Ids((await h.GetAsync($"/orders/search?seller={seller}&q=caneta", token)).Body));
        Assert.Equal(403, (await h.GetAsync($"/orders/search?seller={seller + 1}", token)).Status);
    }

    [Fact]
    public async Task Sorts_and_pages()
    {
        var clock = new FakeTimeProvider(Start);
        var (h, seller, token, orders, _) = await WorldAsync(clock);
        await using var _ = h;
        var (_, desc) = await h.GetAsync($"/orders/search?seller={seller}&sort=date_desc&offset=1&limit=2", token);
        Assert.Equal([orders[2], orders[1]], Ids(desc));
        Assert.Equal(4, desc.GetProperty("paging").GetProperty("total").GetInt32());
        Assert.Equal(1, desc.GetProperty("paging").GetProperty("offset").GetInt32());
        Assert.Equal(2, desc.GetProperty("paging").GetProperty("limit").GetInt32());
        Assert.Equal("date_desc", desc.GetProperty("sort").GetProperty("id").GetString());
        Assert.Equal(400, (await h.GetAsync($"/orders/search?seller={seller}&sort=price", token)).Status);
        Assert.Equal(400, (await h.GetAsync($"/orders/search?seller={seller}&limit=500", token)).Status);
    }

    [Fact]
    public async Task Date_filters_use_hour_precision()
    {
        var clock = new FakeTimeProvider(Start);
        var (h, seller, token, orders, _) = await WorldAsync(clock);
        await using var _ = h;
        // 11:59 counts as 11:00, so the order created at 11:30 is in and the one of 10:30 is out; a "to" of 10:10 still takes 10:30.
        var (_, from) = await h.GetAsync($"/orders/search?seller={seller}&order.date_created.from=2026-03-10T11:59:59.000-00:00", token);
        Assert.Equal(orders[1..], Ids(from));
        var (_, to) = await h.GetAsync($"/orders/search?seller={seller}&order.date_created.to=2026-03-10T06:10:00.000-04:00", token);
        Assert.Equal(orders[..1], Ids(to));
        var (_, closed) = await h.GetAsync($"/orders/search?seller={seller}&order.date_closed.from=2026-03-10T12:00:00.000Z&order.date_closed.to=2026-03-10T12:00:00.000Z", token);
        Assert.Equal([orders[2]], Ids(closed));
        // The cancellation at 14:30 bumped last_updated of the fourth order.
        var (_, updated) = await h.GetAsync($"/orders/search?seller={seller}&order.date_last_updated.from=2026-03-10T14:00:00.000Z", token);
        Assert.Equal([orders[3]], Ids(updated));
    }

    [Fact]
    public async Task Recent_archived_and_pending()
    {
        var clock = new FakeTimeProvider(Start);
        var (h, seller, token, orders, item) = await WorldAsync(clock);
        await using var _ = h;
        var confirmed = (await h.Admin.CreateOrderAsync(seller, item, status: "confirmed")).GetProperty("id").GetInt64();
        Assert.Equal([confirmed], Ids((await h.GetAsync($"/orders/search/pending?seller={seller}", token)).Body));
        await h.SendAsync(HttpMethod.Post, $"/orders/{orders[0]}/feedback", token, new JsonObject { ["fulfilled"] = true, ["rating"] = "positive" });
        Assert.DoesNotContain(orders[0], Ids((await h.GetAsync($"/orders/search/recent?seller={seller}", token)).Body));
        Assert.Contains(orders[1], Ids((await h.GetAsync($"/orders/search/recent?seller={seller}", token)).Body));
        Assert.Empty(Ids((await h.GetAsync($"/orders/search/archived?seller={seller}", token)).Body));
        clock.Advance(TimeSpan.FromDays(29));
        token = await FreshToken(h, seller);
        Assert.Contains(orders[1], Ids((await h.GetAsync($"/orders/search/archived?seller={seller}", token)).Body));
        Assert.Empty(Ids((await h.GetAsync($"/orders/search/recent?seller={seller}", token)).Body));
    }

    private static async Task<string> FreshToken(SandboxHarness h, long seller)
    {
        var code = await h.Admin.CreateAuthorizationCodeAsync(seller, SandboxHarness.RedirectUri);
        return (await h.ExchangeCodeAsync(code)).GetProperty("access_token").GetString()!;
    }
}
