using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using MeliFunctions.Storage;
using MeliFunctions.Tests.Infrastructure;

namespace MeliFunctions.Tests.Orders;

/// <summary>
/// One notification travels the real path: the sandbox notifies the Server's webhook, the queue
/// pump runs the order sync, the order is fetched with the seller's token and lands in the
/// Orders table; all over real HTTP and a real Azurite.
/// </summary>
public sealed class OrderSyncEndToEndTests(MeliWorld world) : IClassFixture<MeliWorld>
{
    [Fact]
    public async Task A_notified_order_lands_in_the_Orders_table_with_MeLis_fields_intact()
    {
        var seller = await world.ConnectSellerAsync("TIENDA_E2E");
        var (orderId, _) = await world.CreatePaidOrderAsync(seller, quantity: 2);

        var stored = await world.WaitForStoredOrderAsync(orderId);

        // MeLi's fields at the root, exactly as the sandbox serves them; ours under _sync.
        var truth = JsonNode.Parse((await world.Admin.GetOrderAsync(orderId)).GetRawText())!.AsObject();
        var sync = stored["_sync"]!.AsObject();
        stored.Remove("_sync");
        Assert.True(JsonNode.DeepEquals(truth, stored), $"stored differs from MeLi's order:\n{stored}\n{truth}");
        Assert.Equal(seller.ToString(), sync["seller_id"]!.GetValue<string>());
        Assert.Equal(1, sync["version"]!.GetValue<int>());

        // The table row: PartitionKey seller, RowKey order, filter fields beside the JSON.
        var entity = (await world.Server.Storage.Table(StorageNames.OrdersTable).GetEntityAsync<TableEntity>(seller.ToString(), orderId.ToString())).Value;
        Assert.Equal(truth["status"]!.GetValue<string>(), entity.GetString("Status"));
        Assert.Equal(DateTimeOffset.Parse(truth["last_updated"]!.GetValue<string>()), entity.GetDateTimeOffset("LastUpdated"));
        Assert.Contains(truth["order_items"]![0]!["item"]!["id"]!.GetValue<string>(), entity.GetString("ItemIds"));
    }

    [Fact]
    public async Task An_order_change_is_stored_as_a_new_version()
    {
        var seller = await world.ConnectSellerAsync("TIENDA_CAMBIOS");
        var (orderId, _) = await world.CreatePaidOrderAsync(seller);
        await world.WaitForStoredOrderAsync(orderId);

        await world.Admin.OrderActionAsync(orderId, "cancel", requestedBy: "buyer");

        var stored = await world.WaitForStoredOrderAsync(orderId, o => o["status"]?.GetValue<string>() == "cancelled");
        Assert.Equal(2, stored["_sync"]!["version"]!.GetValue<int>());
        Assert.NotNull(stored["cancel_detail"]);
    }

    [Fact]
    public async Task GET_orders_needs_the_management_key_and_answers_404_for_an_unknown_order()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await world.Server.Http.GetAsync("api/orders/123")).StatusCode);

        var unknown = await world.Server.Management.GetAsync("api/orders/987654321");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("not_found", JsonDocument.Parse(await unknown.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetString());

        var invalid = await world.Server.Management.GetAsync("api/orders/abc");
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
    }

    [Fact]
    public async Task An_order_MeLi_does_not_know_is_parked_in_poison_with_its_reason()
    {
        var seller = await world.ConnectSellerAsync("TIENDA_404");

        await world.Admin.NotifyAsync("/orders/2999999999999999", "orders_v2", seller);

        var poison = await world.EventuallyAsync(world.PoisonAsync, p => p.Any(m => m.Original.Contains("2999999999999999")), "the 404 in poison");
        var parked = poison.Single(m => m.Original.Contains("2999999999999999"));
        Assert.Equal("order_not_found", parked.Envelope["error"]!.GetValue<string>());
        Assert.Contains("404", parked.Reason);
        Assert.Contains("order_not_found", parked.Envelope["details"]!.GetValue<string>()); // MeLi's body kept
    }

    [Fact]
    public async Task Repeats_of_an_order_id_MeLi_refused_cost_no_GET_and_park_nothing_more()
    {
        var seller = await world.ConnectSellerAsync("TIENDA_ID_FALSO");
        const string Bogus = "/orders/2999999999999977";

        await world.Admin.NotifyAsync(Bogus, "orders_v2", seller);
        await world.EventuallyAsync(world.PoisonAsync, p => p.Any(m => m.Original.Contains("2999999999999977")), "the first 404 in poison");
        for (var i = 0; i < 4; i++)
        {
            await world.Admin.NotifyAsync(Bogus, "orders_v2", seller);
        }

        await world.WaitUntilQuietAsync();
        Assert.Equal(1, await world.OrderGetsAsync(2999999999999977));
        Assert.Single(await world.PoisonAsync(), m => m.Original.Contains("2999999999999977"));
    }

    [Fact]
    public async Task A_notification_for_a_seller_who_never_connected_changes_nothing()
    {
        var stranger = await world.Admin.CreateSellerAsync("NO_CONECTADO");
        var (orderId, _) = await world.CreatePaidOrderAsync(stranger.Id);

        // The sandbox notified the webhook (200); the worker drops it without fetching.
        await world.EventuallyAsync(
            () => world.Admin.GetNotificationsAsync(),
            n => n.EnumerateArray().Any(x => x.GetRawText().Contains(orderId.ToString()) && x.GetRawText().Contains("200")),
            "the notification delivered");
        await world.WaitUntilQuietAsync();
        Assert.Equal(HttpStatusCode.NotFound, (await world.Server.Management.GetAsync($"api/orders/{orderId}")).StatusCode);
        var gets = await world.Admin.GetRequestsAsync("GET", $"/orders/{orderId}");
        Assert.Equal(0, gets.GetArrayLength());
    }
}

/// <summary>Transient failures are retried, then parked with the reason once the dequeue limit is reached.</summary>
public sealed class OrderSyncRetryTests(MeliWorld world) : IClassFixture<MeliWorld>
{
    [Fact]
    public async Task Persistent_5xx_ends_in_poison_after_maxDequeueCount_attempts_with_the_reason()
    {
        var seller = await world.ConnectSellerAsync("TIENDA_5XX");
        var (orderId, _) = await world.CreatePaidOrderAsync(seller);
        await world.Admin.SetFaultsAsync(new JsonObject { ["seller_id"] = seller, ["rate_5xx"] = 1.0 });

        var poison = await world.EventuallyAsync(world.PoisonAsync, p => p.Any(m => m.Original.Contains(orderId.ToString())), "the order in poison", TimeSpan.FromSeconds(90));

        var parked = poison.Single(m => m.Original.Contains(orderId.ToString()));
        Assert.Contains("gave up after 5 attempts", parked.Reason);
        Assert.Equal(5, parked.Envelope["dequeue_count"]!.GetValue<int>());
        await world.Admin.ResetFaultsAsync();
    }
}
