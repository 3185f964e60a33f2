using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;

namespace MeliFunctions.Sandbox.Tests;

public sealed class LifecycleTests
{
    private static readonly Dictionary<string, string> NewFormat = new() { ["x-format-new"] = "true" };

    [Fact]
    public async Task Fraud_order_with_unprinted_label_is_cancelled_by_MeLi_after_the_delay()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-03-10T10:00:00Z", CultureInfo.InvariantCulture));
        await using var h = await SandboxHarness.StartAsync(o => o.FraudAutoCancelDelay = TimeSpan.FromMinutes(10), clock);
        var (seller, token, _) = await h.ConnectSellerAsync("SELLER1");
        var item = await h.CreateItemAsync(seller, quantity: 3);
        var order = await h.Admin.CreateOrderAsync(seller, item, fraud: true);
        var id = order.GetProperty("id").GetInt64();
        Assert.Contains("fraud_risk_detected", order.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(2, (await h.Admin.GetItemAsync(item)).GetProperty("available_quantity").GetInt32());

        clock.Advance(TimeSpan.FromMinutes(9));
        Assert.Equal("paid", (await h.Admin.GetOrderAsync(id)).GetProperty("status").GetString());
        clock.Advance(TimeSpan.FromMinutes(2));
        var cancelled = await Poll.UntilAsync(() => h.Admin.GetOrderAsync(id), o => o.GetProperty("status").GetString() == "cancelled");
        Assert.Equal("fraud", cancelled.GetProperty("cancel_detail").GetProperty("group").GetString());
        Assert.Equal(3, (await h.Admin.GetItemAsync(item)).GetProperty("available_quantity").GetInt32());
        token = (await h.ExchangeCodeAsync(await h.Admin.CreateAuthorizationCodeAsync(seller, SandboxHarness.RedirectUri))).GetProperty("access_token").GetString()!;
        var (_, shipment) = await h.GetAsync($"/shipments/{cancelled.GetProperty("shipping").GetProperty("id").GetInt64()}", token, NewFormat);
        Assert.Equal("cancelled", shipment.GetProperty("status").GetString());
        Assert.Equal("fraudulent", shipment.GetProperty("substatus").GetString());
    }

    [Fact]
    public async Task Fraud_order_with_printed_label_or_custom_shipping_is_not_cancelled()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-03-10T10:00:00Z", CultureInfo.InvariantCulture));
        await using var h = await SandboxHarness.StartAsync(o => o.FraudAutoCancelDelay = TimeSpan.FromMinutes(10), clock);
        var (seller, _, _) = await h.ConnectSellerAsync("SELLER1");
        var item = await h.CreateItemAsync(seller);
        var printed = (await h.Admin.CreateOrderAsync(seller, item)).GetProperty("id").GetInt64();
        await h.Admin.OrderActionAsync(printed, "print-label");
        await h.Admin.OrderActionAsync(printed, "flag-fraud");
        var custom = (await h.Admin.CreateOrderAsync(seller, item, shipping: "custom", fraud: true)).GetProperty("id").GetInt64();
        var cleared = (await h.Admin.CreateOrderAsync(seller, item, fraud: true)).GetProperty("id").GetInt64();
        await h.Admin.OrderActionAsync(cleared, "clear-fraud");
        clock.Advance(TimeSpan.FromMinutes(30));
        foreach (var id in new[] { printed, custom, cleared })
        {
            Assert.Equal("paid", (await h.Admin.GetOrderAsync(id)).GetProperty("status").GetString());
        }
    }

    [Fact]
    public async Task Pack_orders_share_pack_id_and_one_shipment()
    {
        await using var h = await SandboxHarness.StartAsync();
        var (seller, token, _) = await h.ConnectSellerAsync("SELLER1");
        var a = await h.CreateItemAsync(seller);
        var b = await h.CreateItemAsync(seller);
        var pack = await h.Admin.CreateOrderAsync(new JsonObject
        {
            ["seller_id"] = seller,
            ["pack"] = true,
            ["items"] = new JsonArray(new JsonObject { ["item_id"] = a, ["quantity"] = 1 }, new JsonObject { ["item_id"] = b, ["quantity"] = 2 }),
        });
        var packId = pack.GetProperty("pack_id").GetInt64();
        var orders = pack.GetProperty("orders").EnumerateArray().ToList();
        Assert.Equal(2, orders.Count);
        Assert.All(orders, o => Assert.Equal(packId, o.GetProperty("pack_id").GetInt64()));
        Assert.All(orders, o => Assert.Contains("pack_order", o.GetProperty("tags").EnumerateArray().Select(t => t.GetString())));
        Assert.Single(orders.Select(o => o.GetProperty("shipping").GetProperty("id").GetInt64()).Distinct());

        var (status, packJson) = await h.GetAsync($"/packs/{packId}", token);
        Assert.Equal(200, status);
        Assert.Equal(orders.Select(o => o.GetProperty("id").GetInt64()), packJson.GetProperty("orders").EnumerateArray().Select(o => o.GetProperty("id").GetInt64()));
        Assert.Equal(orders[0].GetProperty("shipping").GetProperty("id").GetInt64(), packJson.GetProperty("shipment").GetProperty("id").GetInt64());
        Assert.Equal("released", packJson.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Shipment_needs_new_format_header_and_takes_a_tracking_number()
    {
        await using var h = await SandboxHarness.StartAsync();
        var (seller, token, _) = await h.ConnectSellerAsync("SELLER1");
        var item = await h.CreateItemAsync(seller);
        var order = await h.Admin.CreateOrderAsync(new JsonObject
        {
            ["seller_id"] = seller,
            ["items"] = new JsonArray(new JsonObject { ["item_id"] = item }),
            ["shipping_cost"] = 25.5,
            ["logistic_type"] = "cross_docking",
        });
        var shipmentId = order.GetProperty("shipping").GetProperty("id").GetInt64();
        Assert.Equal(400, (await h.GetAsync($"/shipments/{shipmentId}", token)).Status);
        var (status, shipment) = await h.GetAsync($"/shipments/{shipmentId}", token, NewFormat);
        Assert.Equal(200, status);
        Assert.Equal("ready_to_ship", shipment.GetProperty("status").GetString());
        Assert.Equal("ready_to_print", shipment.GetProperty("substatus").GetString());
        Assert.Equal("cross_docking", shipment.GetProperty("logistic").GetProperty("type").GetString());
        Assert.Equal(25.5m, shipment.GetProperty("lead_time").GetProperty("cost").GetDecimal());

        var (putStatus, updated) = await h.SendAsync(HttpMethod.Put, $"/shipments/{shipmentId}", token, new JsonObject { ["tracking_number"] = "sfd23436df1284" });
        Assert.Equal(200, putStatus);
        Assert.Equal("sfd23436df1284", updated.GetProperty("tracking_number").GetString());
    }

    [Fact]
    public async Task Feedback_is_given_once_and_not_fulfilled_cancels_and_restocks()
    {
        await using var h = await SandboxHarness.StartAsync();
        var (seller, token, _) = await h.ConnectSellerAsync("SELLER1");
        var item = await h.CreateItemAsync(seller, quantity: 4);
        var id = (await h.Admin.CreateOrderAsync(seller, item, quantity: 3)).GetProperty("id").GetInt64();
        Assert.Equal("invalid_fulfilled", (await h.SendAsync(HttpMethod.Post, $"/orders/{id}/feedback", token, new JsonObject { ["fulfilled"] = "false" })).Body.GetProperty("error").GetString());
        Assert.Equal(1, (await h.Admin.GetItemAsync(item)).GetProperty("available_quantity").GetInt32());

        var body = new JsonObject { ["fulfilled"] = false, ["rating"] = "neutral", ["message"] = "Sin stock", ["reason"] = "OUT_OF_STOCK", ["restock_item"] = false };
        var (status, _) = await h.SendAsync(HttpMethod.Post, $"/orders/{id}/feedback", token, body);
        Assert.Equal(201, status);
        var order = await h.Admin.GetOrderAsync(id);
        Assert.Equal("cancelled", order.GetProperty("status").GetString());
        Assert.Equal("seller", order.GetProperty("cancel_detail").GetProperty("requested_by").GetString());
        Assert.Equal(4, (await h.Admin.GetItemAsync(item)).GetProperty("available_quantity").GetInt32());
        Assert.Equal(400, (await h.SendAsync(HttpMethod.Post, $"/orders/{id}/feedback", token, body)).Status);
        var (_, feedback) = await h.GetAsync($"/orders/{id}/feedback", token);
        Assert.False(feedback.GetProperty("sale").GetProperty("fulfilled").GetBoolean());
        Assert.Equal(1, (await h.Admin.GetFeedbackAsync()).GetArrayLength());
    }

    [Fact]
    public async Task Notes_are_kept_up_to_300_characters()
    {
        await using var h = await SandboxHarness.StartAsync();
        var (seller, token, _) = await h.ConnectSellerAsync("SELLER1");
        var item = await h.CreateItemAsync(seller);
        var id = (await h.Admin.CreateOrderAsync(seller, item)).GetProperty("id").GetInt64();
        Assert.Equal(400, (await h.SendAsync(HttpMethod.Post, $"/orders/{id}/notes", token, new JsonObject { ["note"] = new string('x', 301) })).Status);
        var (created, note) = await h.SendAsync(HttpMethod.Post, $"/orders/{id}/notes", token, new JsonObject { ["note"] = "fraud hold" });
        Assert.Equal(201, created);
        var noteId = note.GetProperty("note").GetProperty("id").GetString();
        Assert.Equal(200, (await h.SendAsync(HttpMethod.Put, $"/orders/{id}/notes/{noteId}", token, new JsonObject { ["note"] = "released" })).Status);
        var (_, list) = await h.GetAsync($"/orders/{id}/notes", token);
        Assert.Equal("released", list[0].GetProperty("results")[0].GetProperty("note").GetString());
        Assert.Equal(200, (await h.SendAsync(HttpMethod.Delete, $"/orders/{id}/notes/{noteId}", token, null)).Status);
        Assert.Equal(0, (await h.GetAsync($"/orders/{id}/notes", token)).Body[0].GetProperty("results").GetArrayLength());
    }

    [Fact]
    public async Task Items_multiget_and_put_with_variations()
    {
        await using var h = await SandboxHarness.StartAsync();
        var (seller, token, _) = await h.ConnectSellerAsync("SELLER1");
        var (_, otherToken, _) = await h.ConnectSellerAsync("SELLER2");
        var plain = await h.CreateItemAsync(seller, quantity: 5);
        var shirt = await h.Admin.CreateItemAsync(new JsonObject
        {
            ["seller_id"] = seller,
            ["title"] = "Remera",
            ["price"] = 10,
            ["variations"] = new JsonArray(
                new JsonObject { ["available_quantity"] = 2, ["attribute_combinations"] = new JsonArray(new JsonObject { ["id"] = "COLOR", ["name"] = "Color", ["value_name"] = "Rojo" }) },
                new JsonObject { ["available_quantity"] = 3, ["attribute_combinations"] = new JsonArray(new JsonObject { ["id"] = "COLOR", ["name"] = "Color", ["value_name"] = "Azul" }) }),
        });
        var shirtId = shirt.GetProperty("id").GetString()!;
        Assert.StartsWith("MLA", shirtId, StringComparison.Ordinal);
        Assert.Equal(5, shirt.GetProperty("available_quantity").GetInt32());
        var red = shirt.GetProperty("variations")[0].GetProperty("id").GetInt64();

        var (status, multi) = await h.GetAsync($"/items?ids={plain},{shirtId},MLA1", token);
        Assert.Equal(200, status);
        Assert.Equal([200, 200, 404], multi.EnumerateArray().Select(e => e.GetProperty("code").GetInt32()).ToArray());
        Assert.Equal(plain, multi[0].GetProperty("body").GetProperty("id").GetString());
        var tooMany = string.Join(',', Enumerable.Range(0, 21).Select(i => "MLA" + i));
        Assert.Equal(400, (await h.GetAsync($"/items?ids={tooMany}", token)).Status);

        Assert.Equal(400, (await h.SendAsync(HttpMethod.Put, $"/items/{shirtId}", token, new JsonObject { ["available_quantity"] = 9 })).Status);
        Assert.Equal(403, (await h.SendAsync(HttpMethod.Put, $"/items/{plain}", otherToken, new JsonObject { ["available_quantity"] = 9 })).Status);
        Assert.Equal(400, (await h.SendAsync(HttpMethod.Put, $"/items/{plain}", token, new JsonObject { ["available_quantity"] = -1 })).Status);
        Assert.Equal(5, (await h.Admin.GetItemAsync(plain)).GetProperty("available_quantity").GetInt32());

        var (ok, updated) = await h.SendAsync(HttpMethod.Put, $"/items/{shirtId}", token,
            new JsonObject { ["variations"] = new JsonArray(new JsonObject { ["id"] = red, ["available_quantity"] = 7 }) });
        Assert.Equal(200, ok);
        Assert.Equal(10, updated.GetProperty("available_quantity").GetInt32());
        var (_, zero) = await h.SendAsync(HttpMethod.Put, $"/items/{plain}", token, new JsonObject { ["available_quantity"] = 0 });
        Assert.Equal("paused", zero.GetProperty("status").GetString());
        var updates = await h.Admin.GetStockUpdatesAsync();
        Assert.Contains(updates.EnumerateArray(), u => u.GetProperty("item_id").GetString() == shirtId && u.GetProperty("variation_id").GetInt64() == red && u.GetProperty("after").GetInt32() == 7);
    }

    [Fact]
    public async Task Blacklisted_buyer_can_not_buy_and_currency_conversion_answers_a_ratio()
    {
        await using var h = await SandboxHarness.StartAsync();
        var (seller, token, _) = await h.ConnectSellerAsync("SELLER1");
        var item = await h.CreateItemAsync(seller);
        var order = await h.Admin.CreateOrderAsync(seller, item);
        var buyer = order.GetProperty("buyer").GetProperty("id").GetInt64();
        Assert.Equal(200, (await h.SendAsync(HttpMethod.Post, $"/users/{seller}/order_blacklist", token, new JsonObject { ["user_id"] = buyer })).Status);
        Assert.Equal(buyer, (await h.GetAsync($"/users/{seller}/order_blacklist", token)).Body[0].GetProperty("user").GetProperty("id").GetInt64());
        var again = new JsonObject { ["seller_id"] = seller, ["buyer"] = new JsonObject { ["id"] = buyer }, ["items"] = new JsonArray(new JsonObject { ["item_id"] = item }) };
        Assert.Equal(400, (await h.SendAsync(HttpMethod.Post, "/_sandbox/orders", null, again)).Status);
        Assert.Equal(200, (await h.SendAsync(HttpMethod.Delete, $"/users/{seller}/order_blacklist/{buyer}", token, null)).Status);
        Assert.Equal(201, (await h.SendAsync(HttpMethod.Post, "/_sandbox/orders", null, again)).Status);

        var (status, conversion) = await h.GetAsync("/currency_conversions/search?from=ARS&to=BRL", token);
        Assert.Equal(200, status);
        Assert.Equal(JsonValueKind.Number, conversion.GetProperty("ratio").ValueKind);
        Assert.InRange(conversion.GetProperty("ratio").GetDouble(), 0.0001, 1);
    }
}
