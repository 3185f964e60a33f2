using System.Text.Json.Nodes;
using MeliFunctions.Tests.Infrastructure;

namespace MeliFunctions.Tests.Orders;

/// <summary>The order sync under Mercado Libre's bad days: duplicates, 429 storms, partial answers, other sellers' orders.</summary>
public sealed class OrderSyncFaultTests(MeliWorld world) : IClassFixture<MeliWorld>
{
    [Fact]
    public async Task Five_duplicates_of_one_change_cost_at_most_two_GETs()
    {
        var seller = await world.ConnectSellerAsync("DUPLICADOS");
        var (orderId, _) = await world.CreatePaidOrderAsync(seller);
        await world.WaitForStoredOrderAsync(orderId, o => o["_sync"]?["total_amount_with_shipping"] is not null);
        await world.WaitUntilQuietAsync();
        var before = await world.OrderGetsAsync(orderId);

        // Each notification arrives five times; each GET takes a while, so the copies are processed side by side.
        await world.Admin.SetFaultsAsync(new JsonObject { ["seller_id"] = seller, ["duplicate_notifications"] = 4, ["latency_ms"] = 400 });
        await world.Admin.OrderActionAsync(orderId, "touch");

        await world.WaitForStoredOrderAsync(orderId, o => o["_sync"]!["version"]!.GetValue<int>() == 2);
        await world.WaitUntilQuietAsync();
        var delivered = (await world.Admin.GetNotificationsAsync()).EnumerateArray()
            .Count(n => n.GetProperty("resource").GetString() == $"/orders/{orderId}" && n.GetProperty("topic").GetString() == "orders_v2");
        Assert.True(delivered >= 6, $"expected the change to be notified 5 times, saw {delivered} orders_v2 notifications in all");
        Assert.InRange(await world.OrderGetsAsync(orderId) - before, 1, 2);
        await world.Admin.SetFaultsAsync(new JsonObject { ["seller_id"] = seller });
    }

    [Fact]
    public async Task A_429_storm_ends_with_every_order_stored_and_nothing_in_poison()
    {
        var seller = await world.ConnectSellerAsync("TORMENTA_429");
        await world.Admin.SetFaultsAsync(new JsonObject { ["seller_id"] = seller, ["rate_429"] = 0.5 });

        var orders = new List<long>();
        for (var i = 0; i < 20; i++)
        {
            orders.Add((await world.CreatePaidOrderAsync(seller)).OrderId);
        }

        foreach (var orderId in orders)
        {
            var stored = await world.WaitForStoredOrderAsync(orderId, o => o["_sync"]?["total_amount_with_shipping"] is not null, TimeSpan.FromSeconds(120));
            Assert.Equal("paid", stored["status"]!.GetValue<string>());
        }

        var throttled = await world.Admin.GetRequestsAsync(sellerId: seller);
        Assert.Contains(throttled.EnumerateArray(), r => r.GetProperty("status").GetInt32() == 429);
        Assert.DoesNotContain(await world.PoisonAsync(), p => orders.Any(id => p.Original.Contains(id.ToString())));
        await world.Admin.SetFaultsAsync(new JsonObject { ["seller_id"] = seller });
    }

    [Fact]
    public async Task A_206_keeps_the_stored_buyer_and_the_order_is_fetched_again_later()
    {
        var seller = await world.ConnectSellerAsync("PARCIAL_206");
        var (orderId, _) = await world.CreatePaidOrderAsync(seller);
        var whole = await world.WaitForStoredOrderAsync(orderId, o => o["_sync"]?["total_amount_with_shipping"] is not null);
        await world.WaitUntilQuietAsync();

        await world.Admin.SetFaultsAsync(new JsonObject { ["seller_id"] = seller, ["rate_206"] = 1.0 });
        await world.Admin.OrderActionAsync(orderId, "touch");
        var partial = await world.WaitForStoredOrderAsync(orderId, o => o["_sync"]!["version"]!.GetValue<int>() == 2);

        Assert.True(JsonNode.DeepEquals(whole["buyer"], partial["buyer"]), $"buyer lost: {partial["buyer"]}");
        Assert.True(JsonNode.DeepEquals(whole["payments"], partial["payments"]), "payments lost");
        Assert.Empty(partial["_sync"]!["missing_blocks"]!.AsArray());

        // Nothing notifies the order again: the refetch the 206 scheduled gets the whole order once MeLi answers 200.
        await world.Admin.SetFaultsAsync(new JsonObject { ["seller_id"] = seller });
        await world.EventuallyAsync(
            () => world.Admin.GetRequestsAsync("GET", $"/orders/{orderId}"),
            gets =>
            {
                var list = gets.EnumerateArray().Where(r => r.GetProperty("path").GetString() == $"/orders/{orderId}").ToList();
                var last206 = list.FindLastIndex(r => r.GetProperty("status").GetInt32() == 206);
                return last206 >= 0 && list.Skip(last206 + 1).Any(r => r.GetProperty("status").GetInt32() == 200);
            },
            "a refetch answered 200 after the 206",
            TimeSpan.FromSeconds(90));
    }

    [Fact]
    public async Task A_notification_about_another_sellers_order_is_parked_as_not_owned_order()
    {
        var seller = await world.ConnectSellerAsync("VENDEDOR_A");
        var other = await world.Admin.CreateSellerAsync("VENDEDOR_B");
        var (orderOfB, _) = await world.CreatePaidOrderAsync(other.Id);

        await world.Admin.NotifyAsync($"/orders/{orderOfB}", "orders_v2", seller);

        var poison = await world.EventuallyAsync(world.PoisonAsync, p => p.Any(m => m.Original.Contains(orderOfB.ToString()) && m.Original.Contains(seller.ToString())), "the 403 in poison");
        var parked = poison.Single(m => m.Original.Contains(orderOfB.ToString()) && m.Original.Contains(seller.ToString()));
        Assert.Equal("not_owned_order", parked.Envelope["error"]!.GetValue<string>());
        Assert.Contains("403", parked.Reason);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await world.Server.Management.GetAsync($"api/orders/{orderOfB}")).StatusCode);
    }
}

/// <summary>Stale reads and reordered, duplicated notifications never move an order backwards, and never hide a change for good.</summary>
public sealed class OrderSyncStaleReadTests(QuickRecheckMeliWorld world) : IClassFixture<QuickRecheckMeliWorld>
{
    [Fact]
    public async Task Stale_reads_and_reordered_duplicates_never_regress_an_order_and_the_change_still_lands()
    {
        var seller = await world.ConnectSellerAsync("LECTURA_VIEJA");
        var (orderId, _) = await world.CreatePaidOrderAsync(seller);
        var paid = await world.WaitForStoredOrderAsync(orderId, o => o["_sync"]?["total_amount_with_shipping"] is not null);
        var paidAt = DateTimeOffset.Parse(paid["last_updated"]!.GetValue<string>());
        await world.WaitUntilQuietAsync();
        await world.EventuallyAsync(() => Task.FromResult(DateTimeOffset.UtcNow), now => now > paidAt.AddSeconds(3), "the paid version to age");

        // For 4 s after a change MeLi's replicas answer the previous order; notifications come reordered and three times.
        await world.Admin.SetFaultsAsync(new JsonObject
        {
            ["seller_id"] = seller,
            ["stale_read_ms"] = 4000,
            ["reorder_notifications"] = true,
            ["duplicate_notifications"] = 2,
        });
        await world.Admin.OrderActionAsync(orderId, "cancel", requestedBy: "buyer");

        var seen = new List<(string Status, int Version)>();
        var cancelled = await world.WaitForStoredOrderAsync(orderId, o =>
        {
            seen.Add((o["status"]!.GetValue<string>(), o["_sync"]!["version"]!.GetValue<int>()));
            return o["status"]!.GetValue<string>() == "cancelled";
        }, TimeSpan.FromSeconds(60));

        // The stale answers were read (and not written); the recheck got the truth.
        var gets = (await world.Admin.GetRequestsAsync("GET", $"/orders/{orderId}")).GetArrayLength();
        Assert.True(gets >= 3, $"expected stale reads and a recheck, saw {gets} GETs");
        Assert.Equal(2, cancelled["_sync"]!["version"]!.GetValue<int>());
        await world.WaitUntilQuietAsync();
        var final = await world.WaitForStoredOrderAsync(orderId);
        Assert.Equal("cancelled", final["status"]!.GetValue<string>());
        Assert.Equal(2, final["_sync"]!["version"]!.GetValue<int>());
        Assert.True(seen.Zip(seen.Skip(1)).All(p => p.Second.Version >= p.First.Version), string.Join(", ", seen));
        await world.Admin.SetFaultsAsync(new JsonObject { ["seller_id"] = seller });
    }
}
