using System.Globalization;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using MeliFunctions.Storage;
using MeliFunctions.Sweeps;
using MeliFunctions.Tests.Infrastructure;

namespace MeliFunctions.Tests.Sweeps;

/// <summary>The pending sweep on the Server, against Azurite and the sandbox: lost notifications heal.</summary>
public sealed class PendingSweepTests(SweepWorld world) : IClassFixture<SweepWorld>
{
    [Fact]
    public async Task After_one_sweep_every_order_equals_the_sandbox_when_30_percent_of_notifications_were_dropped()
    {
        var seller = await world.ConnectSellerAsync("PERDIDAS_30");
        await world.DropNotificationsAsync(seller, 0.3);
        var orders = await world.CreateOrdersAsync(seller, 200);
        // Some orders change again, and some of those changes are lost too.
        foreach (var orderId in orders.Take(20))
        {
            await world.Admin.OrderActionAsync(orderId, "cancel");
        }

        await world.WaitUntilQuietAsync();
        var before = await world.StoredOrdersAsync(seller);
        var behind = 0;
        foreach (var orderId in orders)
        {
            var truth = await world.TruthAsync(orderId);
            behind += before.TryGetValue(orderId, out var row) && row.LastUpdated == truth.LastUpdated ? 0 : 1;
        }

        Assert.True(behind > 0, "the dropped notifications should have left orders missing or old in the store");

        var report = (await world.SweepAsync(seller)).SellerReport(seller);
        Assert.Equal("swept", report["status"]!.GetValue<string>());
        await world.WaitForEmptyQueueAsync();

        var after = await world.StoredOrdersAsync(seller);
        foreach (var orderId in orders)
        {
            var truth = await world.TruthAsync(orderId);
            Assert.True(after.TryGetValue(orderId, out var row), $"order {orderId} is not stored after the sweep");
            Assert.Equal((truth.Status, truth.LastUpdated), (row.Status, row.LastUpdated));
        }

        Assert.Equal(behind, report["changed"]!["queued"]!.GetValue<int>());
        Assert.Equal(behind, report["changed"]!["stored_from_page"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_missed_feed_is_replayed_once()
    {
        var seller = await world.ConnectSellerAsync("FEED_PERDIDO");
        var item = await world.Admin.CreateItemAsync(seller, "Mochila Urbana", 25000m, 5);
        // With no callback URL every notification is missed at once. A payment_required order is
        // hidden from every search, so only the missed feed can bring it.
        await world.Admin.SetCallbackUrlAsync(null);
        long orderId;
        try
        {
            var order = await world.Admin.CreateOrderAsync(seller, item.GetProperty("id").GetString()!, status: "payment_required");
            orderId = order.GetProperty("id").GetInt64();
        }
        finally
        {
            await world.Admin.SetCallbackUrlAsync(new Uri(world.Server.BaseUrl, "api/notifications").ToString());
        }

        var first = await world.SweepAsync(seller);
        Assert.True(first["missed_feeds"]!["replayed"]!.GetValue<int>() >= 1, first.ToJsonString());
        var stored = await world.WaitForStoredOrderAsync(orderId);
        Assert.Equal("payment_required", stored["status"]!.GetValue<string>());

        var second = await world.SweepAsync(seller);
        Assert.Equal(0, second["missed_feeds"]!["replayed"]!.GetValue<int>());
    }

    [Fact]
    public async Task An_order_on_the_edge_of_the_date_window_is_not_missed()
    {
        var seller = await world.ConnectSellerAsync("BORDE_VENTANA");
        await world.DropNotificationsAsync(seller, 1.0);
        var orderId = (await world.CreateOrdersAsync(seller, 1)).Single();
        await world.WaitUntilQuietAsync();
        var (_, lastUpdated) = await world.TruthAsync(orderId);

        // The last sweep began one minute into the next hour, when MeLi's search did not list the change yet.
        var watermark = SweepRules.FloorHour(lastUpdated).AddHours(1).AddMinutes(1);
        var state = world.Server.Storage.Table(StorageNames.SweepStateTable);
        await state.UpsertEntityAsync(new TableEntity(seller.ToString(CultureInfo.InvariantCulture), SweepStateStore.SweepRow) { ["Watermark"] = watermark });

        var report = (await world.SweepAsync(seller)).SellerReport(seller);
        Assert.True(1 == report["changed"]!["queued"]!.GetValue<int>(), report.ToJsonString() + (await world.BackfillProgressAsync(seller)).ToJsonString() + (await world.Admin.GetRequestsAsync(sellerId: seller)).ToString());
        await world.WaitForStoredOrderAsync(orderId);
    }

    [Fact]
    public async Task A_sweep_that_crashes_mid_page_resumes_without_skipping_or_redoing()
    {
        var seller = await world.ConnectSellerAsync("CAIDA_PAGINA");
        await world.DropNotificationsAsync(seller, 1.0);
        var orders = await world.CreateOrdersAsync(seller, 120);
        await world.WaitUntilQuietAsync();
        var early = await world.StoredOrdersAsync(seller);
        Assert.True(early.Count == 0, (await world.BackfillProgressAsync(seller)).ToJsonString() + string.Join("\n", (await world.Admin.GetRequestsAsync(sellerId: seller)).EnumerateArray().Take(12)));

        var crashed = false;
        world.Hooks.OnStep = step =>
        {
            if (!crashed && step.SellerId == seller.ToString(CultureInfo.InvariantCulture) && step is { Kind: "changed", Page: 1, Point: "order_queued", QueuedInPage: 10 })
            {
                crashed = true;
                throw new SimulatedCrashException("crash in the middle of the second page");
            }

            return ValueTask.CompletedTask;
        };
        try
        {
            var failed = (await world.SweepAsync(seller)).SellerReport(seller);
            Assert.Equal("failed", failed["status"]!.GetValue<string>());
            await world.WaitForEmptyQueueAsync();
            Assert.Equal(60, (await world.StoredOrdersAsync(seller)).Count);

            var resumed = (await world.SweepAsync(seller)).SellerReport(seller);
            Assert.Equal("swept", resumed["status"]!.GetValue<string>());
            Assert.Equal(50, resumed["changed"]!["resumed_at_offset"]!.GetValue<int>());
            await world.WaitForEmptyQueueAsync();
        }
        finally
        {
            world.Hooks.OnStep = null;
        }

        var stored = await world.StoredOrdersAsync(seller);
        Assert.Equal(orders.Order(), stored.Keys.Order());
        // The search page stands for each order: no order GET, and each shipment read once.
        Assert.Empty(await world.OrderGetCountsAsync(seller));
        Assert.Equal(orders.Count, await world.ShipmentGetsAsync(seller));
        var changedSearches = (await world.SearchesAsync(seller)).Where(s => s.Query.Contains("date_last_updated", StringComparison.Ordinal)).ToList();
        Assert.Single(changedSearches, s => s.Query.Contains("offset=0&", StringComparison.Ordinal));
        Assert.Equal(2, changedSearches.Count(s => s.Query.Contains("offset=50&", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Two_sweeps_started_at_once_for_one_seller_do_the_work_once()
    {
        var seller = await world.ConnectSellerAsync("DOBLE_TIMER");
        await world.DropNotificationsAsync(seller, 1.0);
        var orders = await world.CreateOrdersAsync(seller, 30);
        await world.WaitUntilQuietAsync();

        var firstIsIn = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var secondIsDone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        world.Hooks.OnStep = async step =>
        {
            if (step.SellerId == seller.ToString(CultureInfo.InvariantCulture) && step is { Kind: "pending", Point: "page_read" } && firstIsIn.TrySetResult())
            {
                await secondIsDone.Task.WaitAsync(TimeSpan.FromSeconds(60));
            }
        };
        JsonObject first, second;
        try
        {
            var firstRun = world.SweepAsync(seller);
            await firstIsIn.Task.WaitAsync(TimeSpan.FromSeconds(60));
            second = await world.SweepAsync(seller);
            secondIsDone.SetResult();
            first = await firstRun;
        }
        finally
        {
            world.Hooks.OnStep = null;
        }

        Assert.Equal("swept", first.SellerReport(seller)["status"]!.GetValue<string>());
        Assert.Equal("busy", second.SellerReport(seller)["status"]!.GetValue<string>());
        Assert.Equal(30, first.SellerReport(seller)["changed"]!["queued"]!.GetValue<int>());
        await world.WaitForEmptyQueueAsync();
        Assert.Empty(await world.OrderGetCountsAsync(seller));
        Assert.Equal(orders.Count, await world.ShipmentGetsAsync(seller));
        Assert.Single(await world.SearchesAsync(seller), s => s.Query.Contains("date_last_updated", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_sweep_started_without_waiting_answers_202_and_its_report_is_readable()
    {
        var seller = await world.ConnectSellerAsync("SWEEP_202");
        var response = await world.Server.Management.PostAsync($"api/admin/sweep?seller={seller}", null);
        Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
        var runId = JsonNode.Parse(await response.Content.ReadAsStringAsync())!["run_id"]!.GetValue<string>();

        var report = await world.EventuallyAsync(
            async () => JsonNode.Parse(await world.Server.Management.GetStringAsync($"api/admin/sweep/{runId}"))!.AsObject(),
            r => r["state"]!.GetValue<string>() != "running",
            "the sweep run to finish");
        Assert.Equal("completed", report["state"]!.GetValue<string>());
        Assert.Equal("swept", report.SellerReport(seller)["status"]!.GetValue<string>());

        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await world.Server.Management.PostAsync("api/admin/sweep?seller=999999991", null)).StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await world.Server.Http.PostAsync($"api/admin/sweep?seller={seller}", null)).StatusCode);
    }
}
