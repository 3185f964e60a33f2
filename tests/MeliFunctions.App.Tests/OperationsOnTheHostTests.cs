using System.Net;
using System.Text.Json.Nodes;
using Azure.Data.Tables;

namespace MeliFunctions.App.Tests;

/// <summary>The admin routes (behind the <c>{prefix:regex(^admin$)}</c> workaround), stock, seller actions and the timers, through the host.</summary>
[Collection(AppCollection.Name)]
public sealed class OperationsOnTheHostTests(AppWorld world)
{
    [Fact]
    public async Task The_OpenAPI_document_is_the_committed_one_behind_the_function_key()
    {
        var committed = (await File.ReadAllTextAsync(Path.Combine(RepoPaths.Root, "docs", "openapi.json"))).ReplaceLineEndings("\n");

        Assert.Equal(HttpStatusCode.Unauthorized, (await world.Host.Http.GetAsync("api/openapi/v1.json")).StatusCode);

        using var answer = await world.Host.Management.GetAsync("api/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal("application/json", answer.Content.Headers.ContentType?.MediaType);
        Assert.True(await answer.Content.ReadAsStringAsync() == committed, "The App answered another document than docs/openapi.json.");
    }

    [Fact]
    public async Task Stock_routes_set_read_and_adjust_the_sellers_ledger_once_per_key()
    {
        var seller = await world.ConnectSellerAsync("APP_STOCK");
        var item = (await world.Admin.CreateItemAsync(seller, "Mochila Urbana", 45000m, 3)).GetProperty("id").GetString()!;

        var put = await world.SendAsync(HttpMethod.Put, $"api/stock/{seller}/{item}", new JsonObject { ["available_quantity"] = 7 });
        Assert.True(put.Status == HttpStatusCode.OK, put.ToString());
        Assert.Equal(HttpStatusCode.BadRequest, (await world.SendAsync(HttpMethod.Put, $"api/stock/{seller}/{item}", new JsonObject { ["available_quantity"] = -1 })).Status);

        // The key in the Idempotency-Key header; its retry in the deprecated body field is the same adjustment.
        var adjustments = $"api/stock/{seller}/{item}/adjustments";
        Assert.True((await world.SendAsync(HttpMethod.Post, adjustments, new JsonObject { ["delta"] = -2 }, "app-adj-1")).Status is HttpStatusCode.OK or HttpStatusCode.Created);
        var retry = await world.SendAsync(HttpMethod.Post, adjustments, new JsonObject { ["delta"] = -2, ["idempotency_key"] = "app-adj-1" });
        Assert.True(retry.Status == HttpStatusCode.OK && retry.Json["adjustment"]!["replayed"]!.GetValue<bool>(), retry.ToString());
        var mismatch = await world.SendAsync(HttpMethod.Post, adjustments, new JsonObject { ["delta"] = -2, ["idempotency_key"] = "app-adj-2" }, "app-adj-3");
        Assert.True(mismatch.Status == HttpStatusCode.BadRequest && mismatch.Error == "idempotency_key_mismatch", mismatch.ToString());

        var stock = await world.GetJsonAsync($"api/stock/{seller}/{item}");
        Assert.Equal(5, stock["available_quantity"]!.GetValue<int>());
    }

    [Fact]
    public async Task Admin_routes_answer_through_the_host_reconcile_sweep_backfill_and_overview()
    {
        var seller = await world.ConnectSellerAsync("APP_ADMIN");
        var (orderId, item) = await world.CreateOrderAsync(seller);
        await world.WaitForStoredOrderAsync(orderId);

        var overview = await world.GetJsonAsync($"api/admin/overview?seller={seller}");
        Assert.Contains(overview["sellers"]!.AsArray(), s => s!["seller_id"]!.GetValue<string>() == seller.ToString());

        var dryRun = await world.SendAsync(HttpMethod.Post, $"api/admin/reconcile?seller={seller}&dry_run=true");
        Assert.True(dryRun.Status == HttpStatusCode.OK, dryRun.ToString());
        Assert.Empty(await world.MeliCallsAsync("PUT", $"/items/{item}"));
        Assert.Equal(HttpStatusCode.OK, (await world.SendAsync(HttpMethod.Get, $"api/admin/reconcile/last?seller={seller}")).Status);

        var sweep = await world.SendAsync(HttpMethod.Post, $"api/admin/sweep?seller={seller}&wait=true");
        Assert.True(sweep.Status == HttpStatusCode.OK, sweep.ToString());
        var runId = sweep.Json["run_id"]!.GetValue<string>();
        var run = await world.GetJsonAsync($"api/admin/sweep/{runId}");
        Assert.Equal(runId, run["run_id"]!.GetValue<string>());

        var started = await world.SendAsync(HttpMethod.Post, $"api/admin/backfill/{seller}");
        Assert.True(started.Status is HttpStatusCode.Accepted or HttpStatusCode.OK, started.ToString());
        var progress = await Poll.UntilAsync(() => world.GetJsonAsync($"api/admin/backfill/{seller}"),
            p => p["state"]?.GetValue<string>() == "completed", "the backfill to complete", describe: p => p.ToJsonString());
        // Connecting started it; the POST resumes that backfill (done already) instead of starting another.
        Assert.Equal((seller.ToString(), 100), (progress["seller_id"]!.GetValue<string>(), progress["percent"]!.GetValue<int>()));
        Assert.Equal(HttpStatusCode.NotFound, (await world.SendAsync(HttpMethod.Get, "api/admin/backfill/999999992")).Status);
    }

    [Fact]
    public async Task Seller_actions_reach_MeLi_once_per_idempotency_key_and_show_on_the_order()
    {
        var seller = await world.ConnectSellerAsync("APP_ACCIONES");
        var (orderId, _) = await world.CreateOrderAsync(seller, shipping: "custom");
        var stored = await world.WaitForStoredOrderAsync(orderId);

        var feedback = new JsonObject { ["fulfilled"] = true, ["rating"] = "positive", ["message"] = "Gran comprador" };
        var first = await world.SendAsync(HttpMethod.Post, $"api/orders/{orderId}/feedback", feedback, "app-fb-1");
        var replay = await world.SendAsync(HttpMethod.Post, $"api/orders/{orderId}/feedback", feedback.DeepClone(), "app-fb-1");
        Assert.True(first.Status == HttpStatusCode.Created, first.ToString());
        Assert.Equal((first.Status, first.Text, true), (replay.Status, replay.Text, replay.Replayed));
        Assert.Single(await world.MeliCallsAsync("POST", $"/orders/{orderId}/feedback"));
        Assert.Equal("invalid_rating", (await world.SendAsync(HttpMethod.Post, $"api/orders/{orderId}/feedback",
            new JsonObject { ["fulfilled"] = true, ["rating"] = "great", ["message"] = "x" }, "app-fb-2")).Error);

        var note = await world.SendAsync(HttpMethod.Post, $"api/orders/{orderId}/notes", new JsonObject { ["note"] = "Embalar con cuidado" }, "app-note-1");
        Assert.True(note.Status is HttpStatusCode.Created or HttpStatusCode.OK, note.ToString());
        var notes = (await world.SendAsync(HttpMethod.Get, $"api/orders/{orderId}/notes")).Node!;
        var noteId = notes.ToJsonString().Contains("Embalar con cuidado", StringComparison.Ordinal)
            ? (await world.NotesAtMeliAsync(orderId)).Single().GetProperty("id").ToString()
            : throw new InvalidOperationException("the note is not listed: " + notes.ToJsonString());
        Assert.True((await world.SendAsync(HttpMethod.Put, $"api/orders/{orderId}/notes/{noteId}", new JsonObject { ["note"] = "Fragil" }, "app-note-2")).Status == HttpStatusCode.OK);
        Assert.True((await world.SendAsync(HttpMethod.Delete, $"api/orders/{orderId}/notes/{noteId}", null, "app-note-3")).Status is HttpStatusCode.OK or HttpStatusCode.NoContent);
        Assert.DoesNotContain("Fragil", (await world.SendAsync(HttpMethod.Get, $"api/orders/{orderId}/notes")).Text, StringComparison.Ordinal);

        var tracking = await world.SendAsync(HttpMethod.Put, $"api/orders/{orderId}/shipment/tracking", new JsonObject { ["tracking_number"] = "AR000111222" }, "app-track-1");
        Assert.True(tracking.Status == HttpStatusCode.OK, tracking.ToString());
        Assert.Single(await world.MeliCallsAsync("PUT", $"/shipments/{stored["shipping"]!["id"]}"));

        var buyer = stored["buyer"]!["id"]!.GetValue<long>();
        Assert.True((await world.SendAsync(HttpMethod.Post, $"api/sellers/{seller}/blocked-buyers", new JsonObject { ["user_id"] = buyer }, "app-block-1")).Status is HttpStatusCode.OK or HttpStatusCode.Created);
        Assert.Contains(buyer.ToString(), (await world.SendAsync(HttpMethod.Get, $"api/sellers/{seller}/blocked-buyers")).Text, StringComparison.Ordinal);
        Assert.True((await world.SendAsync(HttpMethod.Delete, $"api/sellers/{seller}/blocked-buyers/{buyer}", null, "app-block-2")).Status is HttpStatusCode.OK or HttpStatusCode.NoContent);

        var withActions = await world.WaitForStoredOrderAsync(orderId, o => o["_sync"]?["actions"]?["tracking_number"] is not null);
        Assert.Equal("AR000111222", withActions["_sync"]!["actions"]!["tracking_number"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_timers_reconcile_stock_and_sweep_a_seller_on_their_schedule_settings()
    {
        var seller = await world.ConnectSellerAsync("APP_TIMERS");
        var item = (await world.Admin.CreateItemAsync(seller, "Termo Acero 1L", 30000m, 4)).GetProperty("id").GetString()!;
        Assert.Equal(HttpStatusCode.OK, (await world.SendAsync(HttpMethod.Put, $"api/stock/{seller}/{item}", new JsonObject { ["available_quantity"] = 9 })).Status);

        // Nothing here asks for a reconcile or a sweep: StockReconcileSchedule and PendingSweepSchedule fire every 10 s.
        await Poll.UntilAsync(() => world.Admin.GetItemAsync(item), i => i.GetProperty("available_quantity").GetInt32() == 9,
            "the reconcile timer to push the ledger's 9 to MeLi", TimeSpan.FromSeconds(90), i => i.ToString());
        var report = await world.GetJsonAsync($"api/admin/reconcile/last?seller={seller}");
        Assert.Contains(item, report.ToJsonString(), StringComparison.Ordinal);

        await Poll.UntilAsync(
            async () => (await world.Table("SweepState").GetEntityIfExistsAsync<TableEntity>(seller.ToString(), "sweep")).HasValue,
            swept => swept, "the sweep timer to sweep the seller", TimeSpan.FromSeconds(90));
    }
}
