using System.Text.Json.Nodes;
using MeliFunctions.Tests.Infrastructure;
using MeliFunctions.Tests.Stock;

namespace MeliFunctions.Tests.Orders;

/// <summary>Each fact is read once per change: the order by the order sync, its shipment once for every observer.</summary>
public sealed class ReadOnceTests(StockWorld world) : IClassFixture<StockWorld>
{
    [Fact]
    public async Task A_sale_costs_one_order_GET_and_one_shipment_GET_that_the_stock_effects_use_too()
    {
        var seller = await world.ConnectSellerAsync("LEE_UNA_VEZ");
        var item = await world.CreateItemAsync(seller, 10);
        await world.SetStockAsync(seller, item, 10);
        var order = await world.Admin.CreateOrderAsync(new JsonObject
        {
            ["seller_id"] = seller,
            ["items"] = new JsonArray(new JsonObject { ["item_id"] = item, ["quantity"] = 2 }),
            ["notify"] = false,
        });
        var orderId = order.GetProperty("id").GetInt64();
        var shipmentId = order.GetProperty("shipping").GetProperty("id").GetInt64();

        await world.Admin.NotifyAsync($"/orders/{orderId}", "orders_v2", seller);
        await world.WaitForLedgerAsync(seller, item, 8);
        var stored = await world.WaitForStoredOrderAsync(orderId, o => o["_sync"]?["shipment"]?["status"] is not null);
        await world.WaitUntilQuietAsync();

        Assert.Equal(1, await world.OrderGetsAsync(orderId));
        // The order sync read it once and stored it; the stock effects (fulfillment or not) used that read.
        Assert.Equal(1, await ShipmentGetsAsync(shipmentId));
        Assert.Equal("ready_to_ship", stored["_sync"]!["shipment"]!["status"]!.GetValue<string>());
        Assert.Equal("drop_off", stored["_sync"]!["shipment"]!["logistic_type"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_shipments_notification_refreshes_the_stored_shipment_with_no_order_GET()
    {
        var seller = await world.ConnectSellerAsync("SOLO_ENVIO");
        var item = await world.CreateItemAsync(seller, 10);
        var order = await world.Admin.CreateOrderAsync(seller, item);
        var orderId = order.GetProperty("id").GetInt64();
        var shipmentId = order.GetProperty("shipping").GetProperty("id").GetInt64();
        await world.WaitForStoredOrderAsync(orderId, o => o["_sync"]?["shipment"]?["status"] is not null);
        await world.WaitUntilQuietAsync();
        var orderGets = await world.OrderGetsAsync(orderId);
        var shipmentGets = await ShipmentGetsAsync(shipmentId);

        // Printing the label changes the shipment only: MeLi sends a shipments notification and nothing else.
        await world.Admin.OrderActionAsync(orderId, "print-label");
        var stored = await world.WaitForStoredOrderAsync(orderId, o => o["_sync"]?["shipment"]?["substatus"]?.GetValue<string>() == "printed");
        await world.WaitUntilQuietAsync();

        Assert.Equal(orderGets, await world.OrderGetsAsync(orderId));
        Assert.Equal(shipmentGets + 1, await ShipmentGetsAsync(shipmentId));
        Assert.Equal(1, stored["_sync"]!["version"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_shipments_notification_for_an_order_not_stored_yet_costs_nothing()
    {
        var seller = await world.ConnectSellerAsync("ENVIO_SIN_ORDEN");
        var item = await world.CreateItemAsync(seller, 10);
        var order = await world.Admin.CreateOrderAsync(new JsonObject
        {
            ["seller_id"] = seller,
            ["items"] = new JsonArray(new JsonObject { ["item_id"] = item, ["quantity"] = 1 }),
            ["notify"] = false,
        });
        var shipmentId = order.GetProperty("shipping").GetProperty("id").GetInt64();

        await world.Admin.NotifyAsync($"/shipments/{shipmentId}", "shipments", seller);
        await world.WaitUntilQuietAsync();

        Assert.Equal(0, await ShipmentGetsAsync(shipmentId));
    }

    private async Task<int> ShipmentGetsAsync(long shipmentId) =>
        (await world.Admin.GetRequestsAsync("GET", $"/shipments/{shipmentId}")).EnumerateArray().Count(r => r.GetProperty("path").GetString() == $"/shipments/{shipmentId}");
}
