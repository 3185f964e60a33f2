using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MeliFunctions.Sandbox.Tests;

public sealed class OrderApiTests
{
    [Fact]
    public async Task Order_has_every_field_of_the_seed_order_with_the_same_JSON_kinds()
    {
        await using var h = await SandboxHarness.StartAsync();
        var (sellerId, token, _) = await h.ConnectSellerAsync("VENDASDKMB");
        var item = await h.CreateItemAsync(sellerId, quantity: 5, price: 129.95m);
        var created = await h.Admin.CreateOrderAsync(new JsonObject
        {
            ["seller_id"] = sellerId,
            ["buyer"] = new JsonObject { ["nickname"] = "S.VICTORHUGO" },
            ["items"] = new JsonArray(new JsonObject { ["item_id"] = item, ["quantity"] = 1 }),
            ["taxes"] = new JsonObject { ["amount"] = 10.5, ["currency_id"] = "ARS" },
        });
        var id = created.GetProperty("id").GetInt64();
        await h.Admin.OrderActionAsync(id, "ship");
        await h.Admin.OrderActionAsync(id, "deliver");

        var (status, order) = await h.GetAsync($"/orders/{id}", token);
        Assert.Equal(200, status);
        var nullable = new HashSet<string> { "$.application_id", "$.shipping_cost", "$.fulfilled", "$.order_items[].item.warranty" };
        var problems = JsonShape.Differences(JsonShape.Fixture("order_2032217210.json"), order, nullable);
        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));

        Assert.Equal("paid", order.GetProperty("status").GetString());
        Assert.Equal(["paid", "delivered"], order.GetProperty("tags").EnumerateArray().Select(t => t.GetString()!).ToArray());
        Assert.Equal(129.95m, order.GetProperty("total_amount").GetDecimal());
        Assert.Equal(129.95m, order.GetProperty("paid_amount").GetDecimal());
        Assert.Equal(sellerId, order.GetProperty("seller").GetProperty("id").GetInt64());
        Assert.Equal("S.VICTORHUGO", order.GetProperty("buyer").GetProperty("nickname").GetString());
        Assert.Equal(item, order.GetProperty("order_items")[0].GetProperty("item").GetProperty("id").GetString());
        Assert.Equal("marketplace", order.GetProperty("context").GetProperty("channel").GetString());
        Assert.Equal(10.5m, order.GetProperty("taxes").GetProperty("amount").GetDecimal());
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}-04:00$", order.GetProperty("last_updated").GetString());
    }

    [Fact]
    public async Task Discounts_answer_seed_004s_shape_for_an_order_with_a_coupon_and_nothing_for_one_without()
    {
        await using var h = await SandboxHarness.StartAsync();
        var (sellerId, token, _) = await h.ConnectSellerAsync("CUPONERO");
        var item = await h.CreateItemAsync(sellerId, quantity: 5, price: 4467m);
        var with = await h.Admin.CreateOrderAsync(new JsonObject
        {
            ["seller_id"] = sellerId,
            ["items"] = new JsonArray(new JsonObject { ["item_id"] = item, ["quantity"] = 1 }),
            ["coupon"] = new JsonObject { ["id"] = "569290732", ["amount"] = 446.7 },
        });
        var without = await h.Admin.CreateOrderAsync(sellerId, item);

        var (status, discounts) = await h.GetAsync($"/orders/{with.GetProperty("id").GetInt64()}/discounts", token);
        Assert.Equal(200, status);
        var problems = JsonShape.Differences(JsonShape.Fixture("discounts_2000003508419013.json"), discounts, new HashSet<string>());
        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
        var detail = discounts.GetProperty("details")[0];
        Assert.Equal("569290732", detail.GetProperty("coupon").GetProperty("id").GetString());
        Assert.Equal(446.7m, detail.GetProperty("items")[0].GetProperty("amounts").GetProperty("total").GetDecimal());
        Assert.Equal(item, detail.GetProperty("items")[0].GetProperty("id").GetString());

        var (_, none) = await h.GetAsync($"/orders/{without.GetProperty("id").GetInt64()}/discounts", token);
        Assert.Equal(0, none.GetProperty("details").GetArrayLength());
    }

    [Fact]
    public async Task Errors_use_MeLi_codes_and_body()
    {
        await using var h = await SandboxHarness.StartAsync();
        var (sellerId, token, _) = await h.ConnectSellerAsync("SELLER1");
        var (_, otherToken, _) = await h.ConnectSellerAsync("SELLER2");
        var item = await h.CreateItemAsync(sellerId);
        var id = (await h.Admin.CreateOrderAsync(sellerId, item)).GetProperty("id").GetInt64();

        var (s1, b1) = await h.GetAsync($"/orders/{id}", null);
        Assert.Equal(401, s1);
        Assert.Equal("not_identified_user", b1.GetProperty("error").GetString());

        var (s2, b2) = await h.GetAsync($"/orders/{id}", "APP_USR-nope");
        Assert.Equal(401, s2);
        Assert.Equal("""{"message":"invalid_token","error":"invalid_token","status":401,"cause":[]}""", b2.GetRawText());

        var (s3, b3) = await h.GetAsync($"/orders/{id}", otherToken);
        Assert.Equal(403, s3);
        Assert.Equal("not_owned_order", b3.GetProperty("error").GetString());

        var (s4, b4) = await h.GetAsync("/orders/12abc", token);
        Assert.Equal(400, s4);
        Assert.Equal("invalid_order_id", b4.GetProperty("error").GetString());

        var (s5, b5) = await h.GetAsync($"/orders/{id + 1}", token);
        Assert.Equal(404, s5);
        Assert.Equal("order_not_found", b5.GetProperty("error").GetString());
        Assert.Equal(404, b5.GetProperty("status").GetInt32());
        Assert.Equal(JsonValueKind.Array, b5.GetProperty("cause").ValueKind);
    }

    [Fact]
    public async Task Expired_access_token_is_refused_and_refresh_gives_a_working_one()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.Parse("2026-03-10T12:00:00Z", CultureInfo.InvariantCulture));
        await using var h = await SandboxHarness.StartAsync(clock: clock);
        var (sellerId, token, refresh) = await h.ConnectSellerAsync("SELLER1");
        var item = await h.CreateItemAsync(sellerId);
        var id = (await h.Admin.CreateOrderAsync(sellerId, item)).GetProperty("id").GetInt64();
        Assert.Equal(200, (await h.GetAsync($"/orders/{id}", token)).Status);

        clock.Advance(TimeSpan.FromHours(6) + TimeSpan.FromSeconds(1));
        var (status, body) = await h.GetAsync($"/orders/{id}", token);
        Assert.Equal(401, status);
        Assert.Equal("invalid_token", body.GetProperty("error").GetString());

        var fresh = await h.ExchangeAsync(
        [
            new("grant_type", "refresh_token"), new("client_id", h.Options.AppId), new("client_secret", h.Options.ClientSecret), new("refresh_token", refresh),
        ]);
        Assert.Equal(200, (await h.GetAsync($"/orders/{id}", fresh.GetProperty("access_token").GetString())).Status);
    }

    [Fact]
    public async Task Paid_order_takes_stock_sets_date_closed_and_cancel_gives_it_back()
    {
        await using var h = await SandboxHarness.StartAsync();
        var (sellerId, token, _) = await h.ConnectSellerAsync("SELLER1");
        var item = await h.CreateItemAsync(sellerId, quantity: 5);
        var unpaid = await h.Admin.CreateOrderAsync(sellerId, item, quantity: 2, status: "payment_required");
        Assert.Equal(5, (await h.Admin.GetItemAsync(item)).GetProperty("available_quantity").GetInt32());
        Assert.Equal(JsonValueKind.Null, unpaid.GetProperty("date_closed").ValueKind);

        var id = unpaid.GetProperty("id").GetInt64();
        var paid = await h.Admin.OrderActionAsync(id, "pay");
        Assert.Equal("paid", paid.GetProperty("status").GetString());
        Assert.NotEqual(JsonValueKind.Null, paid.GetProperty("date_closed").ValueKind);
        Assert.Equal(3, (await h.Admin.GetItemAsync(item)).GetProperty("available_quantity").GetInt32());
        Assert.True(string.CompareOrdinal(paid.GetProperty("last_updated").GetString(), unpaid.GetProperty("last_updated").GetString()) > 0);

        var cancelled = await h.Admin.OrderActionAsync(id, "cancel", "buyer");
        Assert.Equal("cancelled", cancelled.GetProperty("status").GetString());
        var detail = cancelled.GetProperty("cancel_detail");
        Assert.Equal("buyer", detail.GetProperty("requested_by").GetString());
        Assert.Equal("buyer", detail.GetProperty("group").GetString());
        Assert.Equal(5, (await h.Admin.GetItemAsync(item)).GetProperty("available_quantity").GetInt32());

        var (_, shipment) = await h.GetAsync($"/shipments/{cancelled.GetProperty("shipping").GetProperty("id").GetInt64()}", token, new Dictionary<string, string> { ["x-format-new"] = "true" });
        Assert.Equal("cancelled", shipment.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Cancelling_after_shipping_does_not_give_stock_back()
    {
        await using var h = await SandboxHarness.StartAsync();
        var (sellerId, _, _) = await h.ConnectSellerAsync("SELLER1");
        var item = await h.CreateItemAsync(sellerId, quantity: 5);
        var id = (await h.Admin.CreateOrderAsync(sellerId, item, quantity: 2)).GetProperty("id").GetInt64();
        await h.Admin.OrderActionAsync(id, "ship");
        await h.Admin.OrderActionAsync(id, "cancel", "buyer");
        Assert.Equal(3, (await h.Admin.GetItemAsync(item)).GetProperty("available_quantity").GetInt32());
    }
}
