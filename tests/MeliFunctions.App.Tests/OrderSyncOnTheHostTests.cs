using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Azure.Data.Tables;

namespace MeliFunctions.App.Tests;

/// <summary>The webhook, the queue trigger, OAuth and the order routes, through the Functions host.</summary>
[Collection(AppCollection.Name)]
public sealed class OrderSyncOnTheHostTests(AppWorld world)
{
    [Fact]
    public async Task A_seller_connects_and_a_notified_order_lands_in_Orders_and_answers_by_id_and_in_the_search()
    {
        var seller = await world.ConnectSellerAsync("APP_TIENDA");
        var (orderId, itemId) = await world.CreateOrderAsync(seller);

        var stored = await world.WaitForStoredOrderAsync(orderId);

        Assert.Equal(orderId, stored["id"]!.GetValue<long>());
        Assert.Equal("paid", stored["status"]!.GetValue<string>());
        Assert.Equal(itemId, stored["order_items"]![0]!["item"]!["id"]!.GetValue<string>());
        Assert.Equal(1, stored["_sync"]!["version"]!.GetValue<int>());
        var row = (await world.Table("Orders").GetEntityAsync<TableEntity>(seller.ToString(), orderId.ToString())).Value;
        Assert.Equal("paid", row.GetString("Status"));
        Assert.Contains($"\"id\":{orderId}", row.GetString("OrderJson"), StringComparison.Ordinal);

        var search = await world.GetJsonAsync($"api/orders?seller={seller}&order.status=paid");
        Assert.Equal([orderId], search["results"]!.AsArray().Select(o => o!["id"]!.GetValue<long>()));
        Assert.Equal(1, search["paging"]!["total"]!.GetValue<int>());
        Assert.Equal(HttpStatusCode.BadRequest, (await world.SendAsync(HttpMethod.Get, $"api/orders?seller={seller}&limit=500")).Status);

        var health = await world.SendAsync(HttpMethod.Get, "api/health", key: false);
        Assert.Equal(HttpStatusCode.OK, health.Status);
        Assert.Equal("healthy", health.Json["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task Bad_webhook_input_is_refused_with_a_reason_and_nothing_is_queued()
    {
        var cases = new (string ContentType, string Body, HttpStatusCode Status)[]
        {
            ("application/json", "{not json", HttpStatusCode.BadRequest),
            ("text/plain", "{}", HttpStatusCode.UnsupportedMediaType),
            ("application/json", $"{{\"resource\":\"/orders/1\",\"user_id\":1,\"topic\":\"orders_v2\",\"application_id\":999,\"sent\":\"2026-01-01T00:00:00Z\"}}", HttpStatusCode.Forbidden),
            ("application/json", $"{{\"resource\":\"/items/MLA1\",\"user_id\":1,\"topic\":\"orders_v2\",\"application_id\":{AppWorld.AppId}}}", HttpStatusCode.BadRequest),
            ("application/json", new string(' ', 20_000) + "{}", HttpStatusCode.RequestEntityTooLarge),
        };
        var depthBefore = (await world.Queue("meli-notifications").GetPropertiesAsync()).Value.ApproximateMessagesCount;

        foreach (var (contentType, body, status) in cases)
        {
            using var content = new StringContent(body, Encoding.UTF8);
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
            using var response = await world.Host.Http.PostAsync(AppWorld.WebhookPath, content);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == status, $"{contentType} {body[..Math.Min(body.Length, 60)]}: {(int)response.StatusCode} {text}");
            Assert.False(string.IsNullOrEmpty(JsonNode.Parse(text)!["error"]?.GetValue<string>()), text);
        }

        Assert.Equal(depthBefore, (await world.Queue("meli-notifications").GetPropertiesAsync()).Value.ApproximateMessagesCount);
    }

    [Fact]
    public async Task A_notification_for_an_order_MeLi_does_not_know_is_parked_with_its_reason_and_can_be_requeued()
    {
        var seller = await world.ConnectSellerAsync("APP_POISON");
        const long missing = 2000009999999901;
        var notification = new JsonObject
        {
            ["resource"] = $"/orders/{missing}",
            ["user_id"] = seller,
            ["topic"] = "orders_v2",
            ["application_id"] = long.Parse(AppWorld.AppId, System.Globalization.CultureInfo.InvariantCulture),
            ["attempts"] = 1,
            ["sent"] = DateTimeOffset.UtcNow.ToString("O"),
        };

        var ack = await world.SendAsync(HttpMethod.Post, AppWorld.WebhookPath, notification, key: false);
        Assert.Equal(HttpStatusCode.OK, ack.Status);

        var parked = await Poll.UntilAsync(
            () => world.GetJsonAsync("api/admin/poison"),
            p => p["messages"]!.AsArray().Any(m => m!["notification"]?["resource"]?.GetValue<string>() == $"/orders/{missing}"),
            "the notification parked",
            describe: p => p.ToJsonString());
        var message = parked["messages"]!.AsArray().Single(m => m!["notification"]!["resource"]!.GetValue<string>() == $"/orders/{missing}")!;
        Assert.Equal("order_not_found", message["error"]!.GetValue<string>());
        Assert.False(string.IsNullOrWhiteSpace(message["reason"]!.GetValue<string>()));
        Assert.Equal(HttpStatusCode.NotFound, (await world.SendAsync(HttpMethod.Get, $"api/orders/{missing}")).Status);

        var id = message["message_id"]!.GetValue<string>();
        var requeue = await world.SendAsync(HttpMethod.Post, $"api/admin/poison/{id}/requeue");
        Assert.True(requeue.Status == HttpStatusCode.OK, requeue.ToString());
        Assert.Equal(HttpStatusCode.NotFound, (await world.SendAsync(HttpMethod.Post, $"api/admin/poison/{id}/requeue")).Status);
        // Back through the queue trigger, MeLi still does not know it: parked again, as a new message.
        await Poll.UntilAsync(
            () => world.GetJsonAsync("api/admin/poison"),
            p => p["messages"]!.AsArray().Any(m => m!["notification"]?["resource"]?.GetValue<string>() == $"/orders/{missing}" && m["message_id"]!.GetValue<string>() != id),
            "the requeued notification parked again");
    }

    [Fact]
    public async Task Keyed_routes_need_the_function_key_and_the_OAuth_pair_and_health_do_not()
    {
        var keyed = new (HttpMethod Method, string Path)[]
        {
            (HttpMethod.Get, "api/orders/1"), (HttpMethod.Get, "api/orders?seller=1"), (HttpMethod.Get, "api/fraud-cases/1"),
            (HttpMethod.Get, "api/fraud-cases?seller=1"), (HttpMethod.Get, "api/stock/1/MLA1"), (HttpMethod.Put, "api/stock/1/MLA1"),
            (HttpMethod.Post, "api/stock/1/MLA1/adjustments"), (HttpMethod.Get, "api/admin/overview"), (HttpMethod.Get, "api/admin/poison"),
            (HttpMethod.Post, $"api/admin/poison/{Guid.NewGuid()}/requeue"), (HttpMethod.Post, "api/admin/reconcile"),
            (HttpMethod.Get, "api/admin/reconcile/last?seller=1"), (HttpMethod.Post, "api/admin/sweep"), (HttpMethod.Get, "api/admin/sweep/x"),
            (HttpMethod.Post, "api/admin/backfill/1"), (HttpMethod.Get, "api/admin/backfill/1"), (HttpMethod.Put, "api/orders/1/shipment/tracking"),
            (HttpMethod.Post, "api/orders/1/feedback"), (HttpMethod.Post, "api/orders/1/notes"), (HttpMethod.Get, "api/orders/1/notes"),
            (HttpMethod.Put, "api/orders/1/notes/n"), (HttpMethod.Delete, "api/orders/1/notes/n"), (HttpMethod.Post, "api/sellers/1/blocked-buyers"),
            (HttpMethod.Get, "api/sellers/1/blocked-buyers"), (HttpMethod.Delete, "api/sellers/1/blocked-buyers/2"),
            (HttpMethod.Post, "api/admin/invites"), (HttpMethod.Get, "api/admin/health"),
        };

        if (world.Host.EnforcesKeys)
        {
            foreach (var (method, path) in keyed)
            {
                var answer = await world.SendAsync(method, path, key: false);
                Assert.True(answer.Status == HttpStatusCode.Unauthorized, $"{method} {path} without a key: {answer}");
            }
        }

        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = world.Host.BaseUrl };
        Assert.Equal(HttpStatusCode.Redirect, (await browser.GetAsync("api/oauth/start")).StatusCode);
        var callback = await browser.GetAsync("api/oauth/callback?code=x&state=not-a-state");
        Assert.Equal(HttpStatusCode.BadRequest, callback.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("api/health")).StatusCode);
    }

    [Fact]
    public async Task Five_duplicate_notifications_store_one_version_of_the_order()
    {
        var seller = await world.ConnectSellerAsync("APP_DUPLICADOS");
        var (orderId, _) = await world.CreateOrderAsync(seller);
        await world.WaitForStoredOrderAsync(orderId);

        await world.Admin.NotifyAsync($"/orders/{orderId}", "orders_v2", seller, times: 5);
        await Poll.UntilAsync(
            async () => (await world.Admin.GetNotificationsAsync()).EnumerateArray().All(n => n.GetProperty("state").GetString() != "pending")
                && (await world.Queue("meli-notifications").GetPropertiesAsync()).Value.ApproximateMessagesCount == 0,
            quiet => quiet,
            "every notification delivered and the queue empty");

        var stored = await world.WaitForStoredOrderAsync(orderId);
        Assert.Equal(1, stored["_sync"]!["version"]!.GetValue<int>());
    }

    [Fact]
    public async Task MeLi_failing_for_an_order_is_retried_with_growing_delays_then_parked_with_the_reason()
    {
        var seller = await world.ConnectSellerAsync("APP_REINTENTOS");
        await world.Admin.SetFaultsAsync(new JsonObject { ["seller_id"] = seller, ["rate_5xx"] = 1.0 });
        try
        {
            var (orderId, _) = await world.CreateOrderAsync(seller);

            var parked = await Poll.UntilAsync(
                () => world.GetJsonAsync("api/admin/poison"),
                p => p["messages"]!.AsArray().Any(m => m!["notification"]?["resource"]?.GetValue<string>() == $"/orders/{orderId}"),
                "the notification parked after its attempts", TimeSpan.FromSeconds(90), p => p.ToJsonString());

            var message = parked["messages"]!.AsArray().First(m => m!["notification"]!["resource"]!.GetValue<string>() == $"/orders/{orderId}")!;
            Assert.StartsWith("gave up after 5 attempts", message["reason"]!.GetValue<string>(), StringComparison.Ordinal);
            // Retry__BaseDelay 1 s doubling to Retry__MaxDelay 4 s: the attempts span about 1 + 2 + 4 + 4 s (jitter at
            // most 20 % under), not the 4 x 10 s of host.json's fixed visibilityTimeout. (Each attempt's GETs include the
            // HTTP client's own quick retries, and the order may have more than one notification: the span is what counts.)
            var gets = (await world.MeliCallsAsync("GET", $"/orders/{orderId}"))
                .Select(r => DateTimeOffset.Parse(r.GetProperty("time").GetString()!, System.Globalization.CultureInfo.InvariantCulture)).Order().ToList();
            var span = (gets[^1] - gets[0]).TotalSeconds;
            Assert.True(span is >= 8 and < 30, $"{gets.Count} GETs over {span:F1} s");
        }
        finally
        {
            await world.Admin.SetFaultsAsync(new JsonObject { ["seller_id"] = seller });
        }
    }
}
