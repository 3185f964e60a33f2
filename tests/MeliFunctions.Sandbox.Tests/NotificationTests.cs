using System.Text.Json;
using System.Text.Json.Nodes;

namespace MeliFunctions.Sandbox.Tests;

public sealed class NotificationTests
{
    private static bool Has(IReadOnlyList<JsonElement> received, string topic, string resource, int count = 1) =>
        received.Count(n => n.GetProperty("topic").GetString() == topic && n.GetProperty("resource").GetString() == resource) >= count;

    [Fact]
    public async Task New_paid_order_sends_created_orders_and_orders_v2_with_MeLi_body()
    {
        await using var receiver = await CallbackReceiver.StartAsync();
        await using var h = await SandboxHarness.StartAsync(o => o.CallbackUrl = receiver.Url);
        var (sellerId, _, _) = await h.ConnectSellerAsync("SELLER1");
        var item = await h.CreateItemAsync(sellerId);
        var id = (await h.Admin.CreateOrderAsync(sellerId, item)).GetProperty("id").GetInt64();
        var resource = $"/orders/{id}";

        var received = await receiver.WaitForAsync(r => Has(r, "orders_v2", resource) && Has(r, "created_orders", resource) && Has(r, "items", $"/items/{item}"));
        var n = received.First(r => r.GetProperty("topic").GetString() == "orders_v2");
        Assert.Equal(sellerId, n.GetProperty("user_id").GetInt64());
        Assert.Equal(JsonValueKind.Number, n.GetProperty("application_id").ValueKind);
        Assert.Equal(long.Parse(h.Options.AppId, System.Globalization.CultureInfo.InvariantCulture), n.GetProperty("application_id").GetInt64());
        Assert.Equal(1, n.GetProperty("attempts").GetInt32());
        Assert.EndsWith("Z", n.GetProperty("sent").GetString(), StringComparison.Ordinal);
        Assert.EndsWith("Z", n.GetProperty("received").GetString(), StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(n.GetProperty("_id").GetString()));
    }

    [Fact]
    public async Task Payment_required_order_sends_only_created_orders_until_paid()
    {
        await using var receiver = await CallbackReceiver.StartAsync();
        await using var h = await SandboxHarness.StartAsync(o => o.CallbackUrl = receiver.Url);
        var (sellerId, _, _) = await h.ConnectSellerAsync("SELLER1");
        var item = await h.CreateItemAsync(sellerId);
        var id = (await h.Admin.CreateOrderAsync(sellerId, item, status: "payment_required")).GetProperty("id").GetInt64();
        var resource = $"/orders/{id}";
        await receiver.WaitForAsync(r => Has(r, "created_orders", resource));
        await h.Admin.OrderActionAsync(id, "touch");
        var before = await receiver.WaitForAsync(r => Has(r, "orders_v2", resource));
        Assert.Equal(1, before.Count(r => r.GetProperty("topic").GetString() == "orders_v2"));
        Assert.DoesNotContain(before, r => r.GetProperty("topic").GetString() == "items");
        await h.Admin.OrderActionAsync(id, "pay");
        await receiver.WaitForAsync(r => Has(r, "orders_v2", resource, 2) && Has(r, "items", $"/items/{item}"));
    }

    [Fact]
    public async Task Non_200_answers_are_retried_until_a_200()
    {
        await using var receiver = await CallbackReceiver.StartAsync();
        await using var h = await SandboxHarness.StartAsync(o =>
        {
            o.CallbackUrl = receiver.Url;
            o.NotificationRetryInterval = TimeSpan.FromMilliseconds(50);
        });
        var calls = 0;
        receiver.Answer = _ => Interlocked.Increment(ref calls) <= 2 ? 500 : 200;
        await h.Admin.NotifyAsync("/orders/123", "orders_v2", 99);

        var received = await receiver.WaitForAsync(r => r.Count >= 3);
        Assert.Equal([1, 2, 3], received.Take(3).Select(r => r.GetProperty("attempts").GetInt32()).ToArray());
        Assert.Single(received.Select(r => r.GetProperty("_id").GetString()).Distinct());
        var log = await Poll.UntilAsync(() => h.Admin.GetNotificationsAsync(), l => l[0].GetProperty("state").GetString() == "delivered");
        Assert.Equal([500, 500, 200], log[0].GetProperty("attempts").EnumerateArray().Select(a => a.GetProperty("http_code").GetInt32()).ToArray());
    }

    [Fact]
    public async Task Notification_refused_for_the_whole_window_is_recorded_as_missed_feed()
    {
        await using var receiver = await CallbackReceiver.StartAsync();
        await using var h = await SandboxHarness.StartAsync(o =>
        {
            o.CallbackUrl = receiver.Url;
            o.NotificationRetryInterval = TimeSpan.FromMilliseconds(50);
            o.NotificationRetryWindow = TimeSpan.FromMilliseconds(600);
        });
        receiver.Answer = _ => 503;
        var (sellerId, token, _) = await h.ConnectSellerAsync("SELLER1");
        await h.Admin.NotifyAsync("/orders/777", "orders_v2", sellerId);

        var log = await Poll.UntilAsync(() => h.Admin.GetNotificationsAsync(), l => l[0].GetProperty("state").GetString() == "missed");
        var attempts = log[0].GetProperty("attempts").GetArrayLength();
        Assert.True(attempts >= 2, $"expected retries, got {attempts} attempt(s)");
        Assert.Equal(attempts, receiver.Received.Count);

        var (status, missed) = await h.GetAsync($"/missed_feeds?app_id={h.Options.AppId}", token);
        Assert.Equal(200, status);
        var message = Assert.Single(missed.GetProperty("messages").EnumerateArray());
        Assert.Equal("/orders/777", message.GetProperty("resource").GetString());
        Assert.Equal("orders_v2", message.GetProperty("topic").GetString());
        Assert.Equal(attempts, message.GetProperty("attempts").GetInt32());
        Assert.Equal(503, message.GetProperty("response").GetProperty("http_code").GetInt32());
    }

    [Fact]
    public async Task Without_callback_url_notifications_are_missed_at_once()
    {
        await using var h = await SandboxHarness.StartAsync();
        var (sellerId, token, _) = await h.ConnectSellerAsync("SELLER1");
        var item = await h.CreateItemAsync(sellerId);
        await h.Admin.CreateOrderAsync(new JsonObject
        {
            ["seller_id"] = sellerId,
            ["items"] = new JsonArray(new JsonObject { ["item_id"] = item }),
        });
        var missed = await Poll.UntilAsync(async () => (await h.GetAsync($"/missed_feeds?app_id={h.Options.AppId}&topic=orders_v2", token)).Body,
            b => b.GetProperty("messages").GetArrayLength() == 1);
        Assert.Equal(0, missed.GetProperty("messages")[0].GetProperty("attempts").GetInt32());
    }
}
