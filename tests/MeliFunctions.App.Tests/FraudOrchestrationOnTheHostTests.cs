using System.Net;
using System.Text.Json.Nodes;

namespace MeliFunctions.App.Tests;

/// <summary>
/// The fraud flow driven by the Durable orchestration on the host (Azure Storage task hub on Azurite),
/// to each of its final states, and across a host that dies mid-flow.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class FraudOrchestrationOnTheHostTests(AppWorld world)
{
    [Fact]
    public async Task Each_fraud_order_reaches_its_final_state_through_the_orchestration()
    {
        var seller = await world.ConnectSellerAsync("APP_FRAUDE");

        // MeLi cancels a Mercado Envios order whose label is not printed (after 20 s here): we post no feedback.
        var (meliCancels, _) = await world.CreateOrderAsync(seller, "me2", fraud: true);
        // Custom shipping: MeLi will not cancel, so we do, once, however many notifications come.
        var (weCancel, _) = await world.CreateOrderAsync(seller, "custom", fraud: true);
        await world.Admin.NotifyAsync($"/orders/{weCancel}", "orders_v2", seller, times: 5);
        // Already on its way: nothing to cancel from here; an operator acts on MeLi's site.
        var (shipped, _) = await world.CreateOrderAsync(seller, "custom");
        await world.Admin.OrderActionAsync(shipped, "ship");
        await world.Admin.OrderActionAsync(shipped, "flag-fraud");
        // MeLi clears the tag while we wait: the hold is released.
        var (cleared, _) = await world.CreateOrderAsync(seller, "me2", fraud: true);
        await world.WaitForCaseAsync(cleared, "awaiting_meli_cancel");
        await world.Admin.OrderActionAsync(cleared, "clear-fraud");

        var dismissed = await world.WaitForCaseAsync(cleared, "dismissed");
        Assert.False(dismissed!["hold"]!.GetValue<bool>());
        Assert.Equal("release_hold", AppWorld.Steps(dismissed).Last());

        var review = await world.WaitForCaseAsync(shipped, "manual_review");
        Assert.Contains("Mercado Libre", review!["manual_action"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Empty(await world.MeliCallsAsync("POST", $"/orders/{shipped}/feedback"));

        var ours = await world.WaitForCaseAsync(weCancel, "cancelled");
        var feedback = Assert.Single(await world.MeliCallsAsync("POST", $"/orders/{weCancel}/feedback"));
        Assert.False(feedback.GetProperty("body").GetProperty("fulfilled").GetBoolean());
        // The cancel step records its attempt before the POST and its outcome after: one outcome, one POST.
        Assert.Single(ours!["steps"]!.AsArray(), s => s!["step"]!.GetValue<string>() == "cancel"
            && s["result"]!.GetValue<string>().StartsWith("feedback fulfilled:false given", StringComparison.Ordinal));
        Assert.Single(AppWorld.Steps(ours!), s => s == "restore_stock");
        Assert.Single(await world.NotesAtMeliAsync(weCancel));

        var theirs = await world.WaitForCaseAsync(meliCancels, "cancelled", TimeSpan.FromMinutes(2));
        Assert.Empty(await world.MeliCallsAsync("POST", $"/orders/{meliCancels}/feedback"));
        Assert.DoesNotContain("cancel", AppWorld.Steps(theirs!));
        Assert.Single(await world.NotesAtMeliAsync(meliCancels));

        var listed = await world.GetJsonAsync($"api/fraud-cases?seller={seller}");
        Assert.Equal(4, listed["paging"]!["total"]!.GetValue<int>());
        // One orchestration per order, under the instance id the starter derives.
        var status = await world.Host.Http.GetAsync(
            $"runtime/webhooks/durabletask/instances/fraud-{seller}-{weCancel}?code={FunctionsHost.MasterKey}");
        var instance = JsonNode.Parse(await status.Content.ReadAsStringAsync())!;
        Assert.True(status.IsSuccessStatusCode, instance.ToJsonString());
        Assert.Equal("Completed", instance["runtimeStatus"]!.GetValue<string>());
        Assert.Equal("cancelled", instance["output"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_host_killed_mid_flow_resumes_the_orchestration_with_no_step_done_twice()
    {
        var seller = await world.ConnectSellerAsync("APP_CAIDA");
        var (orderId, _) = await world.CreateOrderAsync(seller, "me2", fraud: true);
        var waiting = await world.WaitForCaseAsync(orderId, "awaiting_meli_cancel");
        Assert.Equal(["hold", "inspect_shipment"], AppWorld.Steps(waiting!));

        // The orchestration waits on a durable timer raced against OrderChanged; the host dies under it.
        await world.CrashAndRestartAsync();

        // MeLi cancels meanwhile (its notification retried until the new host answers); the new host's
        // orchestration takes over the task hub's partitions, wakes on the change and finishes.
        var done = await world.WaitForCaseAsync(orderId, "cancelled", TimeSpan.FromMinutes(4));

        var steps = AppWorld.Steps(done!);
        Assert.Single(steps, s => s == "hold");
        Assert.Single(steps, s => s == "inspect_shipment");
        Assert.Single(steps, s => s == "restore_stock");
        Assert.Single(steps, s => s == "add_note");
        Assert.DoesNotContain("cancel", steps);
        Assert.Empty(await world.MeliCallsAsync("POST", $"/orders/{orderId}/feedback"));
        Assert.Single(await world.NotesAtMeliAsync(orderId));
        Assert.Equal(HttpStatusCode.OK, (await world.SendAsync(HttpMethod.Get, "api/health", key: false)).Status);
    }

    [Fact]
    public async Task A_host_killed_in_the_middle_of_a_step_resumes_the_case_within_two_minutes_with_one_feedback_at_MeLi()
    {
        var seller = await world.ConnectSellerAsync("APP_PASO");
        // MeLi does each POST of this seller at once and answers it 6 s later: the cancel step is under way that long.
        await world.Admin.SetFaultsAsync(new JsonObject { ["seller_id"] = seller, ["late_write_answer_ms"] = 6000 });
        var (orderId, _) = await world.CreateOrderAsync(seller, "custom", fraud: true);
        try
        {
            await Poll.UntilAsync(() => world.FraudCaseAsync(orderId), c => c?["in_progress"]?.GetValue<string>() == "cancel",
                "the cancel step under way", TimeSpan.FromSeconds(90), c => c?.ToJsonString() ?? "no case");
            await world.Host.KillAsync();
        }
        finally
        {
            await world.Admin.SetFaultsAsync(new JsonObject { ["seller_id"] = seller });
        }

        var killed = DateTime.UtcNow;
        await world.Host.StartAsync(TimeSpan.FromMinutes(3));

        // The dead host's activity comes back after host.json's workItemQueueVisibilityTimeout (1 minute),
        // and the step's claim on the case lasts no longer: the case moves on within 2 minutes of the crash.
        var done = await world.WaitForCaseAsync(orderId, "cancelled", TimeSpan.FromMinutes(2) - (DateTime.UtcNow - killed));

        Assert.Single(await world.MeliCallsAsync("POST", $"/orders/{orderId}/feedback"));
        // The cancellation MeLi got was the dead host's: the case, taken up again, found the order cancelled
        // (or its feedback given) and went on without a second POST; at most one outcome of the cancel step.
        var cancels = done!["steps"]!.AsArray().Where(s => s!["step"]!.GetValue<string>() == "cancel"
            && !s["result"]!.GetValue<string>().StartsWith("attempted", StringComparison.Ordinal)).ToList();
        Assert.True(cancels.Count <= 1, done.ToJsonString());
        Assert.Single(AppWorld.Steps(done), s => s == "restore_stock");
        Assert.Single(await world.NotesAtMeliAsync(orderId));
    }
}
