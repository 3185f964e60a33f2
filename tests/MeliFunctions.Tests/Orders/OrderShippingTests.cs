using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using MeliFunctions.Storage;
using MeliFunctions.Tests.Infrastructure;

namespace MeliFunctions.Tests.Orders;

/// <summary>
/// The shipment's status and cost land on the order row, and <c>total_amount_with_shipping =
/// total_amount + taxes.amount + lead_time.cost</c> in the items' currency (seed 002), converting
/// the taxes when MeLi states them in another currency. Orders of one cart are linked by pack.
/// </summary>
public sealed class OrderShippingTests(MeliWorld world) : IClassFixture<MeliWorld>
{
    [Fact]
    public async Task Total_amount_with_shipping_adds_taxes_and_shipping_cost_in_the_item_currency()
    {
        var seller = await world.ConnectSellerAsync("ENVIO_MISMA_MONEDA");
        var item = await world.Admin.CreateItemAsync(seller, "Mochila Urbana 25L", 20000m, 10);
        var order = await world.Admin.CreateOrderAsync(new JsonObject
        {
            ["seller_id"] = seller,
            ["items"] = new JsonArray(new JsonObject { ["item_id"] = item.GetProperty("id").GetString(), ["quantity"] = 2 }),
            ["shipping_cost"] = 1500.5,
            ["taxes"] = new JsonObject { ["amount"] = 250.25, ["currency_id"] = "ARS" },
        });
        var orderId = order.GetProperty("id").GetInt64();

        var stored = await world.WaitForStoredOrderAsync(orderId, o => o["_sync"]?["total_amount_with_shipping"] is not null);

        Assert.Equal(40000m + 250.25m + 1500.5m, stored["_sync"]!["total_amount_with_shipping"]!.GetValue<decimal>());
        var shipment = await ShipmentAsync(seller, stored["shipping"]!["id"]!.GetValue<long>());
        var summary = stored["_sync"]!["shipment"]!;
        Assert.Equal(shipment.GetProperty("status").GetString(), summary["status"]!.GetValue<string>());
        Assert.Equal(shipment.GetProperty("substatus").GetString(), summary["substatus"]?.GetValue<string>());
        Assert.Equal(1500.5m, summary["cost"]!.GetValue<decimal>());
        Assert.Null(summary["taxes_conversion_ratio"]);
        Assert.Null(stored["total_amount_with_shipping"]); // MeLi's root fields stay MeLi's

        var row = (await world.Server.Storage.Table(StorageNames.OrdersTable).GetEntityAsync<TableEntity>(seller.ToString(), orderId.ToString())).Value;
        Assert.Equal(shipment.GetProperty("status").GetString(), row.GetString("ShipmentStatus"));
        Assert.Equal(1500.5, row.GetDouble("ShippingCost"));
        Assert.Equal(41750.75, row.GetDouble("TotalAmountWithShipping"));
    }

    [Fact]
    public async Task Taxes_in_another_currency_are_converted_with_MeLis_ratio()
    {
        var seller = await world.ConnectSellerAsync("ENVIO_CONVERSION");
        var item = await world.Admin.CreateItemAsync(seller, "Auriculares Inalambricos", 30000m, 10);
        var order = await world.Admin.CreateOrderAsync(new JsonObject
        {
            ["seller_id"] = seller,
            ["items"] = new JsonArray(new JsonObject { ["item_id"] = item.GetProperty("id").GetString(), ["quantity"] = 1 }),
            ["shipping_cost"] = 2000,
            ["taxes"] = new JsonObject { ["amount"] = 12.5, ["currency_id"] = "USD" },
        });
        var orderId = order.GetProperty("id").GetInt64();
        using var http = new HttpClient { BaseAddress = world.Sandbox.BaseUrl };
        var ratio = JsonDocument.Parse(await http.GetStringAsync("currency_conversions/search?from=USD&to=ARS")).RootElement.GetProperty("ratio").GetDecimal();

        var stored = await world.WaitForStoredOrderAsync(orderId, o => o["_sync"]?["total_amount_with_shipping"] is not null);

        var expected = Math.Round(30000m + (12.5m * ratio) + 2000m, 2, MidpointRounding.AwayFromZero);
        Assert.Equal(expected, stored["_sync"]!["total_amount_with_shipping"]!.GetValue<decimal>());
        Assert.Equal(ratio, stored["_sync"]!["shipment"]!["taxes_conversion_ratio"]!.GetValue<decimal>());
        Assert.Equal("ARS", stored["_sync"]!["shipment"]!["currency_id"]!.GetValue<string>());
        var conversions = await world.Admin.GetRequestsAsync("GET", "/currency_conversions/search");
        Assert.Contains(conversions.EnumerateArray(), r => r.GetProperty("query").GetString()!.Contains("from=USD"));
    }

    [Fact]
    public async Task Orders_of_one_cart_share_their_pack_and_list_each_other()
    {
        var seller = await world.ConnectSellerAsync("CARRITO");
        var first = await world.Admin.CreateItemAsync(seller, "Taza Ceramica", 3500m, 10);
        var second = await world.Admin.CreateItemAsync(seller, "Plato Hondo", 4200m, 10);
        var pack = await world.Admin.CreateOrderAsync(new JsonObject
        {
            ["seller_id"] = seller,
            ["pack"] = true,
            ["items"] = new JsonArray(
                new JsonObject { ["item_id"] = first.GetProperty("id").GetString(), ["quantity"] = 1 },
                new JsonObject { ["item_id"] = second.GetProperty("id").GetString(), ["quantity"] = 2 }),
        });
        var packId = pack.GetProperty("pack_id").GetInt64().ToString();
        var ids = pack.GetProperty("orders").EnumerateArray().Select(o => o.GetProperty("id").GetInt64()).Order().ToList();
        Assert.Equal(2, ids.Count);

        foreach (var id in ids)
        {
            await world.WaitForStoredOrderAsync(id);
        }

        foreach (var id in ids)
        {
            var stored = await world.WaitForStoredOrderAsync(id, o => o["_sync"]?["pack_order_ids"]?.AsArray().Count == 2);
            Assert.Equal(packId, stored["_sync"]!["pack_id"]!.GetValue<string>());
            Assert.Equal(ids, stored["_sync"]!["pack_order_ids"]!.AsArray().Select(n => n!.GetValue<long>()).ToList());
        }
    }

    /// <summary>The shipment as MeLi serves it to the seller (with the seller's current token).</summary>
    private async Task<JsonElement> ShipmentAsync(long sellerId, long shipmentId)
    {
        var token = (await world.SellerTokensAsync(sellerId)).AccessToken;
        using var http = new HttpClient { BaseAddress = world.Sandbox.BaseUrl };
        using var request = new HttpRequestMessage(HttpMethod.Get, $"shipments/{shipmentId}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.Add("x-format-new", "true");
        var answer = await http.SendAsync(request);
        return JsonDocument.Parse(await answer.Content.ReadAsStringAsync()).RootElement.Clone();
    }
}
