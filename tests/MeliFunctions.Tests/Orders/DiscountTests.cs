using System.Text.Json.Nodes;
using MeliFunctions.Tests.Infrastructure;

namespace MeliFunctions.Tests.Orders;

/// <summary>Discounts (seed 004): read once for an order that carries one, stored with it, shown in GET /api/orders/{id}.</summary>
public sealed class DiscountTests(MeliWorld world) : IClassFixture<MeliWorld>
{
    [Fact]
    public async Task An_order_with_a_coupon_shows_its_discounts_read_once_and_one_without_costs_nothing()
    {
        var seller = await world.ConnectSellerAsync("CON_CUPON");
        var item = (await world.Admin.CreateItemAsync(seller, "Cafetera Italiana", 4467m, 10)).GetProperty("id").GetString()!;
        var order = await world.Admin.CreateOrderAsync(new JsonObject
        {
            ["seller_id"] = seller,
            ["items"] = new JsonArray(new JsonObject { ["item_id"] = item, ["quantity"] = 1 }),
            ["coupon"] = new JsonObject { ["id"] = "569290732", ["amount"] = 446.7 },
        });
        var orderId = order.GetProperty("id").GetInt64();
        var plainId = (await world.Admin.CreateOrderAsync(seller, item)).GetProperty("id").GetInt64();

        var stored = await world.WaitForStoredOrderAsync(orderId, o => o["_sync"]?["discounts"] is JsonObject);
        await world.WaitForStoredOrderAsync(plainId, o => o["_sync"]?["shipment"] is JsonObject);
        await world.WaitUntilQuietAsync();

        var discounts = stored["_sync"]!["discounts"]!;
        Assert.Equal("coupon", discounts["details"]![0]!["type"]!.GetValue<string>());
        Assert.Equal("569290732", discounts["details"]![0]!["coupon"]!["id"]!.GetValue<string>());
        Assert.Equal(446.7m, discounts["total"]!.GetValue<decimal>());
        Assert.Equal(0m, discounts["seller_share"]!.GetValue<decimal>());
        // MeLi's own fields stay at the root as MeLi sent them.
        Assert.Equal("569290732", stored["coupon"]!["id"]!.GetValue<string>());

        // A new version with the same coupon keeps what was read.
        await world.Admin.OrderActionAsync(orderId, "touch");
        var touched = await world.WaitForStoredOrderAsync(orderId, o => o["_sync"]!["version"]!.GetValue<int>() == 2);
        await world.WaitUntilQuietAsync();
        Assert.Equal(446.7m, touched["_sync"]!["discounts"]!["total"]!.GetValue<decimal>());
        Assert.Equal(1, await DiscountGetsAsync(orderId));
        Assert.Equal(0, await DiscountGetsAsync(plainId));
        Assert.Null((await world.WaitForStoredOrderAsync(plainId))["_sync"]!["discounts"]);
    }

    private async Task<int> DiscountGetsAsync(long orderId) =>
        (await world.Admin.GetRequestsAsync("GET", $"/orders/{orderId}/discounts")).EnumerateArray().Count();
}
