using System.Text.Json.Nodes;
using MeliFunctions.SellerActions;
using MeliFunctions.Stock;
using MeliFunctions.Tests.Infrastructure;

namespace MeliFunctions.Tests.Orders;

/// <summary>
/// The work after an order write (hold, fraud case, flow start, stock effect, automatic feedback)
/// is never skipped: a failure, or a Server that dies between the write and the observers, leaves
/// the follow-up pending on the row, and the next message, the sweep or a restart finishes it.
/// </summary>
public sealed class FollowUpTests(FollowUpWorld world) : IClassFixture<FollowUpWorld>
{
    [Fact]
    public async Task A_fraud_flow_start_that_fails_once_still_moves_the_case_on()
    {
        var seller = await world.ConnectSellerAsync("SEGUIMIENTO_FRAUDE");
        world.Faults.Fail(FollowUpFaults.FraudFlowStart, seller);

        var (orderId, _) = await world.CreatePaidOrderAsync(seller, fraud: true);

        var fraudCase = await world.EventuallyAsync(() => world.FraudCaseAsync(orderId),
            c => c?["state"]?.GetValue<string>() == "awaiting_meli_cancel", "the fraud case past held", TimeSpan.FromSeconds(60));
        Assert.Equal(1, world.Faults.Injected(FollowUpFaults.FraudFlowStart, seller));
        Assert.True(fraudCase!["hold"]!.GetValue<bool>());
        Assert.True((await world.WaitForStoredOrderAsync(orderId))["_sync"]!["held"]!.GetValue<bool>());
    }

    [Fact]
    public async Task A_stock_effect_that_fails_once_is_applied_by_the_retry()
    {
        var seller = await world.ConnectSellerAsync("SEGUIMIENTO_STOCK");
        var item = await world.TrackedItemAsync(seller, 10);
        world.Faults.Fail(nameof(StockOrderObserver), seller);

        await world.Admin.CreateOrderAsync(seller, item, quantity: 3);

        await world.EventuallyAsync(() => world.LedgerAsync(seller, item), q => q == 7, "the subtract applied", TimeSpan.FromSeconds(60));
        await world.WaitUntilQuietAsync();
        Assert.Equal(1, world.Faults.Injected(nameof(StockOrderObserver), seller));
        Assert.Equal(7, await world.LedgerAsync(seller, item));
    }

    [Fact]
    public async Task An_automatic_feedback_that_fails_once_is_given_by_the_retry()
    {
        var seller = await world.ConnectSellerAsync("SEGUIMIENTO_FEEDBACK");
        var (orderId, _) = await world.CreatePaidOrderAsync(seller);
        await world.WaitForStoredOrderAsync(orderId);
        await world.WaitUntilQuietAsync();
        world.Faults.Fail(nameof(AutoFeedbackObserver), seller);

        await world.Admin.OrderActionAsync(orderId, "ship");
        await world.Admin.OrderActionAsync(orderId, "deliver");

        await world.EventuallyAsync(() => world.FeedbackAtMeliAsync(orderId), f => f.Count > 0, "the automatic feedback", TimeSpan.FromSeconds(60));
        await world.WaitUntilQuietAsync();
        Assert.Equal(1, world.Faults.Injected(nameof(AutoFeedbackObserver), seller));
        Assert.Single(await world.FeedbackAtMeliAsync(orderId));
    }

    [Fact]
    public async Task A_Server_killed_between_the_write_and_the_observers_finishes_them_after_the_restart()
    {
        var seller = await world.ConnectSellerAsync("SEGUIMIENTO_CAIDA");
        var item = await world.TrackedItemAsync(seller, 10);
        var crashed = world.Faults.CrashAtFollowUp(seller);

        var orderId = (await world.Admin.CreateOrderAsync(seller, item, quantity: 2, fraud: true)).GetProperty("id").GetInt64();
        await crashed.WaitAsync(TimeSpan.FromSeconds(30));

        // Written, and nothing after the write: no hold, no case, no stock effect.
        var written = await world.WaitForStoredOrderAsync(orderId);
        Assert.False(written["_sync"]!["held"]!.GetValue<bool>());
        Assert.Null(await world.FraudCaseAsync(orderId));
        Assert.Equal(10, await world.LedgerAsync(seller, item));

        await world.RestartServerAsync();

        var fraudCase = await world.EventuallyAsync(() => world.FraudCaseAsync(orderId),
            c => c?["state"]?.GetValue<string>() == "awaiting_meli_cancel", "the fraud case opened and started", TimeSpan.FromSeconds(90));
        Assert.True(fraudCase!["hold"]!.GetValue<bool>());
        await world.EventuallyAsync(() => world.LedgerAsync(seller, item), q => q == 8, "the subtract applied", TimeSpan.FromSeconds(60));
        Assert.True((await world.WaitForStoredOrderAsync(orderId))["_sync"]!["held"]!.GetValue<bool>());
    }

    [Fact]
    public async Task A_follow_up_whose_messages_ran_out_of_attempts_is_finished_by_the_sweep()
    {
        var seller = await world.ConnectSellerAsync("SEGUIMIENTO_BARRIDO");
        var item = await world.TrackedItemAsync(seller, 10);
        world.Faults.Fail(nameof(StockOrderObserver), seller, times: 1000);

        var orderId = (await world.Admin.CreateOrderAsync(seller, item, quantity: 4)).GetProperty("id").GetInt64();
        await world.EventuallyAsync(world.PoisonAsync, p => p.Any(m => m.Original.Contains($"/orders/{orderId}")), "the order's messages parked", TimeSpan.FromSeconds(60));
        await world.WaitUntilQuietAsync();
        world.Faults.Clear(nameof(StockOrderObserver), seller);
        Assert.Equal(10, await world.LedgerAsync(seller, item));

        var sweep = await world.Server.Management.PostAsync($"api/admin/sweep?seller={seller}&wait=true", null);
        var report = JsonNode.Parse(await sweep.Content.ReadAsStringAsync())!;
        Assert.True(sweep.IsSuccessStatusCode, report.ToJsonString());
        Assert.Equal(1, report["sellers"]![0]!["follow_up"]?["queued"]?.GetValue<int>());

        await world.EventuallyAsync(() => world.LedgerAsync(seller, item), q => q == 6, "the subtract applied", TimeSpan.FromSeconds(60));
        await world.WaitUntilQuietAsync();
        Assert.Equal(6, await world.LedgerAsync(seller, item));
    }

    [Fact]
    public async Task A_fraud_flow_start_lost_with_a_dead_host_is_sent_again_by_the_sweep()
    {
        var seller = await world.ConnectSellerAsync("SEGUIMIENTO_INICIO");
        // Every start (and wake) of the seller's flows is lost, as a message a dead host took.
        world.Faults.Fail(FollowUpFaults.FraudFlowStartLost, seller, times: 1000);

        var (orderId, _) = await world.CreatePaidOrderAsync(seller, fraud: true);
        await world.EventuallyAsync(() => world.FraudCaseAsync(orderId), c => c is not null, "the fraud case opened", TimeSpan.FromSeconds(60));
        await world.WaitUntilQuietAsync();
        var held = await world.FraudCaseAsync(orderId);
        Assert.True(held!["state"]!.GetValue<string>() == "held", held.ToJsonString());
        Assert.True(world.Faults.Injected(FollowUpFaults.FraudFlowStartLost, seller) >= 1);
        // The order's follow-up is done (the start was "sent"): its repair pass has nothing to do.
        var sync = (await world.WaitForStoredOrderAsync(orderId))["_sync"]!;
        Assert.Equal(sync["version"]!.GetValue<int>(), sync["follow_up_version"]!.GetValue<int>());
        world.Faults.Clear(FollowUpFaults.FraudFlowStartLost, seller);

        var sweep = await world.Server.Management.PostAsync($"api/admin/sweep?seller={seller}&wait=true", null);
        var report = JsonNode.Parse(await sweep.Content.ReadAsStringAsync())!;
        Assert.True(sweep.IsSuccessStatusCode, report.ToJsonString());
        Assert.Equal(1, report["sellers"]![0]!["fraud_starts"]?["started"]?.GetValue<int>());

        var moved = await world.EventuallyAsync(() => world.FraudCaseAsync(orderId),
            c => c?["state"]?.GetValue<string>() == "awaiting_meli_cancel", "the fraud case moved on", TimeSpan.FromSeconds(60));
        Assert.True(moved!["hold"]!.GetValue<bool>());
    }
}
