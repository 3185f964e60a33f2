using System.Net;
using System.Text.Json.Nodes;
using MeliFunctions.Storage;
using MeliFunctions.Tests.Infrastructure;

namespace MeliFunctions.Tests.Operations;

/// <summary>The operators' routes: the poison listing and requeue, and the overview the page draws.</summary>
public sealed class OperationsApiTests(MeliWorld world) : IClassFixture<MeliWorld>
{
    private async Task<JsonObject> GetAsync(string path)
    {
        var response = await world.Server.Management.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} {body}");
        return JsonNode.Parse(body)!.AsObject();
    }

    [Fact]
    public async Task A_requeued_poison_message_goes_back_with_its_original_text_and_the_order_syncs()
    {
        var seller = await world.ConnectSellerAsync("TIENDA_POISON");
        var orderId = await world.CreateUnnotifiedOrderAsync(seller);
        await world.ParkNotificationAsync(seller, orderId, "gave up after 5 attempts: MeLi answered 500", "retries_exhausted");

        var listing = await GetAsync("api/admin/poison");
        var parked = listing["messages"]!.AsArray().Single(m => m!["notification"]?["resource"]?.GetValue<string>() == $"/orders/{orderId}")!;
        Assert.Equal("gave up after 5 attempts: MeLi answered 500", parked["reason"]!.GetValue<string>());
        Assert.Equal("retries_exhausted", parked["error"]!.GetValue<string>());
        Assert.Equal(seller.ToString(), parked["notification"]!["seller_id"]!.GetValue<string>());
        Assert.Equal(404, (int)(await world.Server.Management.GetAsync($"api/orders/{orderId}")).StatusCode);

        var messageId = parked["message_id"]!.GetValue<string>();
        var requeue = await world.Server.Management.PostAsync($"api/admin/poison/{messageId}/requeue", null);
        Assert.Equal(HttpStatusCode.OK, requeue.StatusCode);
        Assert.Equal(StorageNames.NotificationsQueue, JsonNode.Parse(await requeue.Content.ReadAsStringAsync())!["queue"]!.GetValue<string>());

        // Back on meli-notifications with its original text: the pump syncs the order MeLi never notified.
        var stored = await world.WaitForStoredOrderAsync(orderId);
        Assert.Equal("paid", stored["status"]!.GetValue<string>());
        Assert.DoesNotContain((await GetAsync("api/admin/poison"))["messages"]!.AsArray(), m => m!["message_id"]!.GetValue<string>() == messageId);

        var again = await world.Server.Management.PostAsync($"api/admin/poison/{messageId}/requeue", null);
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
    }

    [Fact]
    public async Task Requeue_refuses_what_is_not_a_message_id_and_needs_the_key()
    {
        Assert.Equal(HttpStatusCode.BadRequest, (await world.Server.Management.PostAsync("api/admin/poison/not%20an%20id/requeue", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await world.Server.Http.PostAsync($"api/admin/poison/{Guid.NewGuid()}/requeue", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await world.Server.Http.GetAsync("api/admin/poison")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await world.Server.Http.GetAsync("api/admin/overview")).StatusCode);
    }

    [Fact]
    public async Task The_overview_counts_orders_per_hour_and_shows_sellers_token_state_and_queue_age()
    {
        var seller = await world.ConnectSellerAsync("TIENDA_OVERVIEW");
        var (orderId, _) = await world.CreatePaidOrderAsync(seller);
        var stored = await world.WaitForStoredOrderAsync(orderId);
        var unsynced = await world.CreateUnnotifiedOrderAsync(seller, "Casco Ciclismo");
        await world.ParkNotificationAsync(seller, unsynced, "order_not_found", "order_not_found");

        var overview = await GetAsync($"api/admin/overview?seller={seller}");

        var perHour = overview["orders_per_hour"]!;
        Assert.Equal(24, perHour["hours"]!.AsArray().Count);
        Assert.Equal(1, perHour["total"]!.GetValue<int>());
        var created = DateTimeOffset.Parse(stored["date_created"]!.GetValue<string>()).ToUniversalTime();
        var hour = perHour["hours"]!.AsArray().Single(h => h!["hour"]!.GetValue<DateTimeOffset>() == new DateTimeOffset(created.Year, created.Month, created.Day, created.Hour, 0, 0, TimeSpan.Zero))!;
        Assert.Equal(1, hour["count"]!.GetValue<int>());
        var row = overview["sellers"]!.AsArray().Single(s => s!["seller_id"]!.GetValue<string>() == seller.ToString())!;
        Assert.Equal("connected", row["status"]!.GetValue<string>());
        Assert.Equal("valid", row["token_state"]!.GetValue<string>());
        var (access, refresh) = await world.SellerTokensAsync(seller);
        Assert.DoesNotContain(access, overview.ToJsonString());
        Assert.DoesNotContain(refresh, overview.ToJsonString());
        var poison = overview["queues"]!.AsArray().Single(q => q!["name"]!.GetValue<string>() == StorageNames.NotificationsPoisonQueue)!;
        Assert.True(poison["depth"]!.GetValue<int>() >= 1);
        Assert.NotNull(poison["oldest_inserted_on"]);

        Assert.Equal(HttpStatusCode.BadRequest, (await world.Server.Management.GetAsync("api/admin/overview?hours=0")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await world.Server.Management.GetAsync("api/admin/overview?seller=x")).StatusCode);
    }
}
