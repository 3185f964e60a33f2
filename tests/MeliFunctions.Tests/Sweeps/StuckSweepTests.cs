using System.Text.Json.Nodes;
using MeliFunctions.Orders;
using MeliFunctions.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace MeliFunctions.Tests.Sweeps;

/// <summary>A world whose stuck-order step refetches anything non-final not fetched for a second.</summary>
public sealed class QuickStuckWorld() : MeliWorld(new Dictionary<string, string?>
{
    ["Sweeps:StuckAfter"] = "00:00:01",
});

/// <summary>The stuck-order step reads a key range of the search index, not the seller's whole history.</summary>
public sealed class StuckSweepTests(QuickStuckWorld world) : IClassFixture<QuickStuckWorld>
{
    [Fact]
    public async Task Only_stuck_orders_within_the_window_are_read_and_refetched()
    {
        var seller = await world.ConnectSellerAsync("ATASCADA");
        var item = await world.Admin.CreateItemAsync(seller, "Bicicleta Rodado 29", 350000m, 5);
        var order = await world.Admin.CreateOrderAsync(seller, item.GetProperty("id").GetString()!, status: "payment_required");
        var orderId = order.GetProperty("id").GetInt64();
        await world.WaitForStoredOrderAsync(orderId);
        await world.WaitUntilQuietAsync();

        // An order of two years ago still non-final in the store: outside the 30-day window, never read.
        var old = DateTimeOffset.UtcNow.AddYears(-2);
        var store = world.Server.App.Services.GetRequiredService<OrderStore>();
        await store.UpsertIfNewerAsync(seller.ToString(), new JsonObject
        {
            ["id"] = 1900000000000001,
            ["status"] = "payment_in_process",
            ["date_created"] = old.ToString("yyyy-MM-ddTHH:mm:ss.fffzzz"),
            ["last_updated"] = old.ToString("yyyy-MM-ddTHH:mm:ss.fffzzz"),
            ["order_items"] = new JsonArray(),
        }, [], old, CancellationToken.None);
        var gets = await world.OrderGetsAsync(orderId);
        await Task.Delay(TimeSpan.FromSeconds(1.5));

        var report = (await world.SweepAsync(seller)).SellerReport(seller);
        await world.WaitUntilQuietAsync();

        Assert.Equal(1, report["stuck"]!["candidates"]!.GetValue<int>());
        Assert.Equal(1, report["stuck"]!["queued"]!.GetValue<int>());
        Assert.Equal(gets + 1, await world.OrderGetsAsync(orderId));
        Assert.Equal(0, await world.OrderGetsAsync(1900000000000001));
    }
}
