using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MeliFunctions.Tests.Fraud;

/// <summary>The fraud flow on the Server, against the sandbox: MeLi cancels, or we do, exactly once.</summary>
public sealed class FraudFlowCancelTests(QuickMeliCancelWorld world) : IClassFixture<QuickMeliCancelWorld>
{
    [Fact]
    public async Task When_MeLi_cancels_by_itself_we_never_post_feedback_and_restore_once()
    {
        var seller = await world.ConnectSellerAsync("TIENDA_FRAUDE_MELI");
        var orderId = await world.CreateOrderAsync(seller, "me2", fraud: true);

        var fraudCase = await world.WaitForCaseAsync(orderId, "cancelled");

        Assert.Equal(0, await world.FeedbackPostsAsync(orderId));
        var steps = FraudWorld.Steps(fraudCase).ToList();
        Assert.DoesNotContain("cancel", steps);
        // (The inspection may be skipped when MeLi's cancellation is stored first.)
        Assert.Equal(["hold", "restore_stock", "add_note", "blacklist_buyer"], steps.Where(s => s != "inspect_shipment"));
        Assert.Equal(1, world.Stock.CallsFor(orderId));
        Assert.True(fraudCase["hold"]!.GetValue<bool>());

        var note = Assert.Single(await world.NotesAsync(orderId));
        Assert.Contains("Mercado Libre cancelled it", note.GetProperty("note").GetString());
        var buyer = (await world.Admin.GetOrderAsync(orderId)).GetProperty("buyer").GetProperty("id").GetInt64();
        Assert.Contains((await world.Admin.GetBlacklistAsync()).EnumerateArray(),
            b => b.GetProperty("seller_id").GetInt64() == seller && b.GetProperty("user_id").GetInt64() == buyer);
    }

    [Fact]
    public async Task A_custom_shipping_fraud_order_is_cancelled_once_despite_ten_duplicate_notifications()
    {
        var seller = await world.ConnectSellerAsync("TIENDA_FRAUDE_CUSTOM");
        var orderId = await world.CreateOrderAsync(seller, "custom", fraud: true);
        await world.Admin.NotifyAsync($"/orders/{orderId}", "orders_v2", seller, times: 10);

        var fraudCase = await world.WaitForCaseAsync(orderId, "cancelled");

        Assert.Equal(1, await world.FeedbackPostsAsync(orderId));
        var feedback = Assert.Single((await world.Admin.GetFeedbackAsync()).EnumerateArray(), f => f.GetProperty("order_id").GetInt64() == orderId);
        Assert.False(feedback.GetProperty("fulfilled").GetBoolean());
        Assert.Equal("DUBIOUS_BUYER", feedback.GetProperty("reason").GetString());
        Assert.Equal("cancelled", (await world.Admin.GetOrderAsync(orderId)).GetProperty("status").GetString());

        var results = fraudCase["steps"]!.AsArray().Select(s => (Step: s!["step"]!.GetValue<string>(), Result: s["result"]!.GetValue<string>())).ToList();
        Assert.Single(results, r => r.Step == "cancel" && r.Result.StartsWith("feedback fulfilled:false given", StringComparison.Ordinal));
        Assert.Single(results, r => r.Step == "restore_stock" && r.Result.Contains("(call 1)", StringComparison.Ordinal));
        Assert.Equal(1, world.Stock.CallsFor(orderId));
        Assert.Single(await world.NotesAsync(orderId));
        Assert.Single(await world.FraudCasesInTableAsync(orderId));
    }

    [Fact]
    public async Task A_printed_label_is_flagged_and_we_cancel_without_waiting_for_MeLi()
    {
        var seller = await world.ConnectSellerAsync("TIENDA_FRAUDE_ETIQUETA");
        var orderId = await world.CreateOrderAsync(seller, "me2", fraud: false);
        await world.Admin.OrderActionAsync(orderId, "print-label");
        await world.Admin.OrderActionAsync(orderId, "flag-fraud");

        var fraudCase = await world.WaitForCaseAsync(orderId, "cancelled");

        Assert.True(fraudCase["pull_package"]!.GetValue<bool>());
        Assert.Equal(1, await world.FeedbackPostsAsync(orderId));
        Assert.Contains("pull the package", Assert.Single(await world.NotesAsync(orderId)).GetProperty("note").GetString());
    }

    [Fact]
    public async Task An_order_already_shipped_ends_in_manual_review_with_no_cancel()
    {
        var seller = await world.ConnectSellerAsync("TIENDA_FRAUDE_ENVIADA");
        var orderId = await world.CreateOrderAsync(seller, "custom", fraud: false);
        await world.Admin.OrderActionAsync(orderId, "ship");
        await world.Admin.OrderActionAsync(orderId, "flag-fraud");

        var fraudCase = await world.WaitForCaseAsync(orderId, "manual_review");

        Assert.Contains("in transit", fraudCase["manual_action"]!.GetValue<string>());
        Assert.Contains("Mercado Libre", fraudCase["manual_action"]!.GetValue<string>());
        Assert.Equal(0, await world.FeedbackPostsAsync(orderId));
        Assert.Equal(0, world.Stock.CallsFor(orderId));
        Assert.True((await world.StoredOrderAsync(orderId))["_sync"]!["held"]!.GetValue<bool>());
        Assert.Equal("paid", (await world.Admin.GetOrderAsync(orderId)).GetProperty("status").GetString());
    }
}

/// <summary>Cases that wait: the hold comes with the first sync, and a cleared tag releases it.</summary>
public sealed class FraudFlowHoldTests(PatientWorld world) : IClassFixture<PatientWorld>
{
    [Fact]
    public async Task A_fraud_order_is_held_within_one_sync()
    {
        var seller = await world.ConnectSellerAsync("TIENDA_RETENIDA");
        var orderId = await world.CreateOrderAsync(seller, "me2", fraud: true);

        var fraudCase = await world.WaitForCaseAsync(orderId, "awaiting_meli_cancel");

        var sync = (await world.StoredOrderAsync(orderId))["_sync"]!;
        Assert.True(sync["held"]!.GetValue<bool>());
        Assert.Equal("fraud_risk_detected", sync["hold_reason"]!.GetValue<string>());
        Assert.Equal(1, sync["version"]!.GetValue<int>()); // the sync that stored the tagged order held it
        Assert.Equal(["hold", "inspect_shipment"], FraudWorld.Steps(fraudCase));
        Assert.True(fraudCase["hold"]!.GetValue<bool>());
        Assert.NotNull(fraudCase["deadline"]);
        Assert.Equal(0, await world.FeedbackPostsAsync(orderId));
    }

    [Fact]
    public async Task The_tag_removed_before_we_cancel_ends_dismissed_with_the_hold_released()
    {
        var seller = await world.ConnectSellerAsync("TIENDA_FALSA_ALARMA");
        var orderId = await world.CreateOrderAsync(seller, "me2", fraud: true);
        await world.WaitForCaseAsync(orderId, "awaiting_meli_cancel");

        await world.Admin.OrderActionAsync(orderId, "clear-fraud");

        var fraudCase = await world.WaitForCaseAsync(orderId, "dismissed");
        Assert.False(fraudCase["hold"]!.GetValue<bool>());
        Assert.Equal("release_hold", FraudWorld.Steps(fraudCase).Last());
        var stored = await world.StoredOrderAsync(orderId);
        Assert.False(stored["_sync"]!["held"]!.GetValue<bool>());
        Assert.DoesNotContain("fraud_risk_detected", stored["tags"]!.AsArray().Select(t => t!.GetValue<string>()));
        Assert.Equal(0, await world.FeedbackPostsAsync(orderId));
        Assert.Equal(0, world.Stock.CallsFor(orderId));
    }

    [Fact]
    public async Task A_sellers_fraud_cases_are_listed_for_the_operators_page()
    {
        var seller = await world.ConnectSellerAsync("TIENDA_LISTA");
        var fraudOrder = await world.CreateOrderAsync(seller, "me2", fraud: true);
        var honestOrder = await world.CreateOrderAsync(seller, "me2", fraud: false);
        await FraudWorld.EventuallyAsync(() => world.FraudCaseAsync(fraudOrder), c => c is not null, "the fraud case opened");
        await FraudWorld.EventuallyAsync(() => world.StoredOrderAsync(honestOrder), o => o.ContainsKey("_sync"), "the honest order stored");

        var list = JsonNode.Parse(await world.Server.Management.GetStringAsync($"api/fraud-cases?seller={seller}"))!.AsObject();

        var listed = list["results"]!.AsArray().Select(c => c!["order_id"]!.GetValue<long>()).ToList();
        Assert.Equal([fraudOrder], listed);
        Assert.Equal(1, list["paging"]!["total"]!.GetValue<int>());
        Assert.Equal(HttpStatusCode.BadRequest, (await world.Server.Management.GetAsync("api/fraud-cases")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await world.Server.Http.GetAsync($"api/fraud-cases?seller={seller}")).StatusCode);
    }

    [Fact]
    public async Task GET_fraud_cases_needs_the_key_and_answers_404_without_a_case()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await world.Server.Http.GetAsync("api/fraud-cases/123")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await world.Server.Management.GetAsync("api/fraud-cases/987654321")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await world.Server.Management.GetAsync("api/fraud-cases/abc")).StatusCode);

        var seller = await world.ConnectSellerAsync("TIENDA_SIN_FRAUDE");
        var orderId = await world.CreateOrderAsync(seller, "me2", fraud: false);
        await FraudWorld.EventuallyAsync(() => world.StoredOrderAsync(orderId), o => o.ContainsKey("_sync"), "the order stored");
        Assert.Null(await world.FraudCaseAsync(orderId));
        Assert.False((await world.StoredOrderAsync(orderId))["_sync"]!["held"]!.GetValue<bool>());
    }
}

/// <summary>A Server killed mid-flow: the next one finishes the case, and nothing is done twice.</summary>
public sealed class FraudFlowCrashTests(ShortWaitWorld world) : IClassFixture<ShortWaitWorld>
{
    [Fact]
    public async Task A_Server_killed_mid_flow_resumes_and_completes_with_no_step_done_twice()
    {
        var seller = await world.ConnectSellerAsync("TIENDA_CAIDA");
        var orderId = await world.CreateOrderAsync(seller, "me2", fraud: true);
        await world.WaitForCaseAsync(orderId, "awaiting_meli_cancel");

        // Killed while waiting for MeLi: the delayed message outlives the Server.
        await world.RestartServerAsync();

        // Killed again once the cancellation is under way (if we catch it before the case ends). The
        // restart can cut short the step that wrote awaiting_meli_cancel before its timer was sent: its
        // message then comes back after the queue lease (60 s), hence the wait of two minutes.
        var moving = await FraudWorld.EventuallyAsync(() => world.FraudCaseAsync(orderId),
            c => c?["state"]?.GetValue<string>() is "cancelling" or "awaiting_cancelled" or "restoring" or "cancelled", "the cancellation to start", TimeSpan.FromMinutes(2));
        if (moving!["state"]!.GetValue<string>() != "cancelled")
        {
            await world.RestartServerAsync();
        }

        var fraudCase = await world.WaitForCaseAsync(orderId, "cancelled", TimeSpan.FromMinutes(2));

        Assert.Equal(1, await world.FeedbackPostsAsync(orderId));
        Assert.Equal(1, world.Stock.CallsFor(orderId));
        Assert.Single(await world.NotesAsync(orderId));
        var steps = FraudWorld.Steps(fraudCase).ToList();
        Assert.Single(steps, s => s == "restore_stock");
        Assert.Single(steps, s => s == "add_note");
        Assert.Single(steps, s => s == "inspect_shipment");
        Assert.Equal("cancelled", (await world.Admin.GetOrderAsync(orderId)).GetProperty("status").GetString());
    }
}
