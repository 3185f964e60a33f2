using System.Net;
using System.Text.Json.Nodes;
using MeliFunctions.Stock;
using MeliFunctions.Tests.Infrastructure;

namespace MeliFunctions.Tests.Stock;

/// <summary>The ledger, the order effects and the reconcile, through the Server, against Azurite and the sandbox.</summary>
public sealed class StockEndToEndTests(StockWorld world) : IClassFixture<StockWorld>
{
    [Fact]
    public async Task Set_10_sell_3_on_MeLi_and_2_elsewhere_shows_5_after_a_reconcile_and_a_cancel_brings_both_to_8()
    {
        var seller = await world.ConnectSellerAsync("stock_basic");
        var item = await world.CreateItemAsync(seller, 10);
        await world.SetStockAsync(seller, item, 10);

        var order = await world.Admin.CreateOrderAsync(seller, item, quantity: 3);
        var orderId = order.GetProperty("id").GetInt64();
        await world.WaitForLedgerAsync(seller, item, 7);
        var (status, _) = await world.AdjustAsync(seller, item, -2, "shop-sale-1");
        Assert.Equal(HttpStatusCode.OK, status);
        await world.WaitUntilQuietAsync();

        var report = await world.ReconcileAsync(seller);
        Assert.Equal(1, (int)report["pushed"]!);
        Assert.Equal(5, await world.MeliQuantityAsync(item));
        Assert.Equal(5, await world.LedgerAsync(seller, item));

        await world.Admin.OrderActionAsync(orderId, "cancel");
        await world.WaitForLedgerAsync(seller, item, 8);
        await world.WaitUntilQuietAsync();
        await world.ReconcileAsync(seller);
        Assert.Equal(8, await world.MeliQuantityAsync(item));
        Assert.Equal(8, await world.LedgerAsync(seller, item));
        Assert.Equal(EffectStates.Applied, (await world.EffectAsync(seller, $"{orderId}:restore"))!.GetString("State"));
    }

    [Fact]
    public async Task Ten_duplicate_notifications_of_the_paid_order_subtract_once()
    {
        var seller = await world.ConnectSellerAsync("stock_dupes");
        var item = await world.CreateItemAsync(seller, 10);
        await world.SetStockAsync(seller, item, 10);
        var orderId = (await world.Admin.CreateOrderAsync(seller, item, quantity: 3)).GetProperty("id").GetInt64();
        await world.WaitForEffectAsync(seller, $"{orderId}:subtract", EffectStates.Applied);

        await world.Admin.NotifyAsync($"/orders/{orderId}", "orders_v2", seller, times: 10);
        await world.Admin.OrderActionAsync(orderId, "touch"); // a real change too: the observer runs again
        await world.Admin.NotifyAsync($"/orders/{orderId}", "orders_v2", seller, times: 10);
        await world.WaitUntilQuietAsync();
        await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => world.Effects.ApplyAsync(seller.ToString(), orderId, CancellationToken.None)));

        Assert.Equal(7, await world.LedgerAsync(seller, item));
    }

    [Fact]
    public async Task A_crash_between_the_ledger_write_and_the_effect_mark_recovers_to_the_right_figure()
    {
        var seller = await world.ConnectSellerAsync("stock_crash");
        var item = await world.CreateItemAsync(seller, 10);
        await world.SetStockAsync(seller, item, 10);
        var crashes = 0;
        world.Effects.BeforeEffectMarked = (effect, _) =>
            effect.SellerId == seller.ToString() && Interlocked.Increment(ref crashes) == 1
                ? throw new InvalidOperationException("injected crash after the ledger write")
                : Task.CompletedTask;
        try
        {
            var orderId = (await world.Admin.CreateOrderAsync(seller, item, quantity: 3)).GetProperty("id").GetInt64();
            // The observer's failure keeps the order's follow-up pending: the retried message finishes the intent.
            await world.WaitForEffectAsync(seller, $"{orderId}:subtract", EffectStates.Applied);
            await world.WaitUntilQuietAsync();
            Assert.True(crashes >= 2, $"the hook ran {crashes} times: the injected crash, then the retry's mark");
            Assert.Equal(7, await world.LedgerAsync(seller, item));

            // Replays: duplicates, ten workers at once, and the reconcile's heal.
            await world.Admin.NotifyAsync($"/orders/{orderId}", "orders_v2", seller, times: 5);
            await world.WaitUntilQuietAsync();
            await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => world.Effects.ApplyAsync(seller.ToString(), orderId, CancellationToken.None)));
            var report = await world.ReconcileAsync(seller);

            Assert.Equal(7, await world.LedgerAsync(seller, item));
            Assert.Equal(EffectStates.Applied, (await world.EffectAsync(seller, $"{orderId}:subtract"))!.GetString("State"));
            Assert.Equal(7, await world.MeliQuantityAsync(item));
            Assert.Equal(0, (int)report["pushed"]!);
        }
        finally
        {
            world.Effects.BeforeEffectMarked = null;
        }
    }

    [Fact]
    public async Task A_crash_left_as_a_pending_intent_is_finished_by_the_next_reconcile()
    {
        var seller = await world.ConnectSellerAsync("stock_heal");
        var item = await world.CreateItemAsync(seller, 10);
        await world.SetStockAsync(seller, item, 10);
        world.Effects.BeforeEffectMarked = (effect, _) =>
            effect.SellerId == seller.ToString() ? throw new InvalidOperationException("injected crash") : Task.CompletedTask;
        long orderId;
        try
        {
            orderId = (await world.Admin.CreateOrderAsync(seller, item, quantity: 4)).GetProperty("id").GetInt64();
            await world.WaitForEffectAsync(seller, $"{orderId}:subtract", EffectStates.Pending);
            await world.WaitUntilQuietAsync();
        }
        finally
        {
            world.Effects.BeforeEffectMarked = null;
        }

        var report = await world.ReconcileAsync(seller);
        Assert.True((int)report["healed_effects"]! >= 1, report.ToJsonString());
        Assert.Equal(EffectStates.Applied, (await world.EffectAsync(seller, $"{orderId}:subtract"))!.GetString("State"));
        Assert.Equal(6, await world.LedgerAsync(seller, item));
    }

    [Fact]
    public async Task Variations_are_kept_per_variation_and_pushed_in_one_PUT_naming_every_variation()
    {
        var seller = await world.ConnectSellerAsync("stock_variations");
        var created = await world.Admin.CreateItemAsync(new JsonObject
        {
            ["seller_id"] = seller,
            ["title"] = "Remera",
            ["price"] = 9000m,
            ["currency_id"] = "ARS",
            ["variations"] = new JsonArray(
                new JsonObject { ["available_quantity"] = 5, ["attribute_combinations"] = new JsonArray(new JsonObject { ["id"] = "SIZE", ["name"] = "Talle", ["value_name"] = "M" }) },
                new JsonObject { ["available_quantity"] = 4, ["attribute_combinations"] = new JsonArray(new JsonObject { ["id"] = "SIZE", ["name"] = "Talle", ["value_name"] = "L" }) }),
        });
        var item = created.GetProperty("id").GetString()!;
        var ids = created.GetProperty("variations").EnumerateArray().Select(v => v.GetProperty("id").GetInt64()).ToArray();
        var put = await world.PutStockAsync(seller, item, new JsonObject
        {
            ["variations"] = new JsonArray(
                new JsonObject { ["id"] = ids[0], ["available_quantity"] = 5 },
                new JsonObject { ["id"] = ids[1], ["available_quantity"] = 4 }),
        });
        Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());

        await world.Admin.CreateOrderAsync(new JsonObject
        {
            ["seller_id"] = seller,
            ["items"] = new JsonArray(new JsonObject { ["item_id"] = item, ["quantity"] = 2, ["variation_id"] = ids[0] }),
        });
        await world.WaitForLedgerAsync(seller, item, 3, ids[0]);
        Assert.Equal(HttpStatusCode.OK, (await world.AdjustAsync(seller, item, -1, "shop-l-1", ids[1])).Status);
        await world.WaitUntilQuietAsync();

        var stock = await world.StockAsync(seller, item);
        Assert.Equal(6, (int)stock["available_quantity"]!);
        Assert.Equal(2, stock["variations"]!.AsArray().Count);

        var report = await world.ReconcileAsync(seller);
        Assert.Equal(1, (int)report["pushed"]!);
        Assert.Equal(3, await world.MeliQuantityAsync(item, ids[0]));
        Assert.Equal(3, await world.MeliQuantityAsync(item, ids[1]));
        var puts = (await world.Admin.GetRequestsAsync("PUT", $"/items/{item}", seller)).EnumerateArray().ToList();
        var body = JsonNode.Parse(Assert.Single(puts).GetProperty("body").GetRawText())!;
        Assert.Equal(2, body["variations"]!.AsArray().Count); // every variation named, only the changed one with a quantity
        Assert.Single(body["variations"]!.AsArray(), v => v!["available_quantity"] is not null);
    }

    [Fact]
    public async Task An_items_notification_lowers_the_listing_and_the_echo_of_our_own_PUT_costs_no_GET()
    {
        var seller = await world.ConnectSellerAsync("stock_echo");
        var pushed = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var listing = await world.CreateItemAsync(seller, 10);
            await world.SetStockAsync(seller, listing, 4);
            pushed.Add(listing);
        }

        // The reconcile pushes three listings; MeLi notifies each PUT back.
        Assert.Equal(3, (int)(await world.ReconcileAsync(seller))["pushed"]!);
        var item = await world.CreateItemAsync(seller, 10);
        await world.SetStockAsync(seller, item, 6);
        // A change on MeLi's side we did not make: the listing is read and lowered to the ledger's figure.
        await world.Admin.NotifyAsync($"/items/{item}", "items", seller);
        await world.EventuallyAsync(() => world.MeliQuantityAsync(item), quantity => quantity == 6, "the listing lowered to the ledger's 6");
        await world.WaitUntilQuietAsync();

        async Task<int> ReadsOf(string listing) =>
            (await world.Admin.GetRequestsAsync("GET", $"/items/{listing}", seller)).EnumerateArray().Count(r => r.GetProperty("path").GetString() == $"/items/{listing}");
        Assert.Equal(1, await ReadsOf(item));
        Assert.Single((await world.Admin.GetRequestsAsync("PUT", $"/items/{item}", seller)).EnumerateArray());
        foreach (var listing in pushed)
        {
            Assert.Equal(0, await ReadsOf(listing));
            Assert.Equal(4, await world.MeliQuantityAsync(listing));
        }

        var echoes = (await world.Admin.GetNotificationsAsync()).EnumerateArray()
            .Count(n => n.GetProperty("topic").GetString() == "items" && pushed.Append(item).Any(l => n.GetProperty("resource").GetString() == $"/items/{l}"));
        Assert.True(echoes >= 5, $"MeLi notified {echoes} items changes; the test needs the four PUTs' echoes and the outside change");
    }

    [Fact]
    public async Task Too_many_requests_during_a_reconcile_end_with_everything_pushed_on_a_later_run()
    {
        var seller = await world.ConnectSellerAsync("stock_429");
        var items = new List<string>();
        for (var i = 0; i < 25; i++)
        {
            var item = await world.CreateItemAsync(seller, 10);
            await world.SetStockAsync(seller, item, 6);
            items.Add(item);
        }

        await world.Admin.SetFaultsAsync(new JsonObject { ["seller_id"] = seller, ["rate_429"] = 1.0 });
        JsonObject failedRun;
        try
        {
            failedRun = await world.ReconcileAsync(seller);
        }
        finally
        {
            await world.Admin.SetFaultsAsync(new JsonObject { ["seller_id"] = seller });
        }

        Assert.Equal(0, (int)failedRun["pushed"]!);
        Assert.Equal(25, (int)failedRun["failed"]!);
        Assert.All(failedRun["entries"]!.AsArray(), e => Assert.Contains("too_many_requests", (string)e!["reason"]!));
        Assert.All(items, item => Assert.Equal(10, world.MeliQuantityAsync(item).GetAwaiter().GetResult()));

        var laterRun = await world.ReconcileAsync(seller);
        Assert.Equal(25, (int)laterRun["pushed"]!);
        Assert.Equal(0, (int)laterRun["failed"]!);
        foreach (var item in items)
        {
            Assert.Equal(6, await world.MeliQuantityAsync(item));
        }

        var last = JsonNode.Parse(await world.Server.Management.GetStringAsync($"api/admin/reconcile/last?seller={seller}"))!;
        Assert.Equal(25, (int)last["pushed"]!);
    }

    [Fact]
    public async Task A_dry_run_pushes_nothing_and_reports_what_differs()
    {
        var seller = await world.ConnectSellerAsync("stock_dry");
        var item = await world.CreateItemAsync(seller, 10);
        var same = await world.CreateItemAsync(seller, 3);
        await world.SetStockAsync(seller, item, 4);
        await world.SetStockAsync(seller, same, 3);

        var report = await world.ReconcileAsync(seller, dryRun: true);

        Assert.True((bool)report["dry_run"]!);
        Assert.Equal(1, (int)report["differed"]!);
        Assert.Equal(0, (int)report["pushed"]!);
        Assert.Equal(1, (int)report["in_sync"]!);
        var entry = Assert.Single(report["entries"]!.AsArray())!;
        Assert.Equal(ReconcileOutcomes.Differed, (string)entry["outcome"]!);
        Assert.Equal(4, (int)entry["ledger"]!);
        Assert.Equal(10, (int)entry["meli"]!);
        Assert.Equal(0, await world.ItemPutsAsync(seller));
        Assert.Equal(10, await world.MeliQuantityAsync(item));
        var last = JsonNode.Parse(await world.Server.Management.GetStringAsync($"api/admin/reconcile/last?seller={seller}"))!;
        Assert.True((bool)last["dry_run"]!);
    }

    [Fact]
    public async Task Closed_and_under_review_listings_are_skipped_with_the_reason()
    {
        var seller = await world.ConnectSellerAsync("stock_skip");
        var closed = await world.CreateItemAsync(seller, 5, status: "closed");
        var review = await world.CreateItemAsync(seller, 5, status: "under_review");
        await world.SetStockAsync(seller, closed, 1);
        await world.SetStockAsync(seller, review, 1);

        var report = await world.ReconcileAsync(seller);

        Assert.Equal(2, (int)report["skipped"]!);
        var reasons = report["entries"]!.AsArray().ToDictionary(e => (string)e!["item_id"]!, e => (string)e!["reason"]!);
        Assert.StartsWith("listing_closed", reasons[closed]);
        Assert.StartsWith("listing_under_review", reasons[review]);
        Assert.Equal(0, await world.ItemPutsAsync(seller));
    }

    [Fact]
    public async Task Manual_stock_is_never_negative_and_an_adjustment_applies_once_per_key()
    {
        var seller = await world.ConnectSellerAsync("stock_manual");
        var item = await world.CreateItemAsync(seller, 10);
        await world.SetStockAsync(seller, item, 5);

        var negative = await world.PutStockAsync(seller, item, new JsonObject { ["available_quantity"] = -1 });
        Assert.Equal(HttpStatusCode.BadRequest, negative.StatusCode);
        Assert.Contains("negative_stock", await negative.Content.ReadAsStringAsync());

        var first = await world.AdjustAsync(seller, item, -2, "order-elsewhere-77");
        var retry = await world.AdjustAsync(seller, item, -2, "order-elsewhere-77");
        Assert.Equal(HttpStatusCode.OK, first.Status);
        Assert.Equal(HttpStatusCode.OK, retry.Status);
        Assert.False((bool)first.Body["adjustment"]!["replayed"]!);
        Assert.True((bool)retry.Body["adjustment"]!["replayed"]!);
        Assert.Equal(HttpStatusCode.Conflict, (await world.AdjustAsync(seller, item, -3, "order-elsewhere-77")).Status);

        var tooMuch = await world.AdjustAsync(seller, item, -4, "order-elsewhere-78");
        Assert.Equal(HttpStatusCode.BadRequest, tooMuch.Status);
        Assert.Equal("negative_stock", (string)tooMuch.Body["error"]!);
        Assert.Equal(3, await world.LedgerAsync(seller, item));
        Assert.Equal(HttpStatusCode.NotFound, (await world.AdjustAsync(seller, "MLA999999999", -1, "k")).Status);
    }

    [Fact]
    public async Task The_adjustment_key_is_the_Idempotency_Key_header_and_the_deprecated_body_field_still_works()
    {
        var seller = await world.ConnectSellerAsync("stock_keys");
        var item = await world.CreateItemAsync(seller, 10);
        await world.SetStockAsync(seller, item, 10);

        // The body form (deprecated) and the header form name the same key: the second is a replay.
        var inBody = await world.PostAdjustmentAsync(seller, item, new JsonObject { ["delta"] = -1, ["idempotency_key"] = "pos:sale-1" }, headerKey: null);
        var inHeader = await world.PostAdjustmentAsync(seller, item, new JsonObject { ["delta"] = -1 }, "pos:sale-1");
        var both = await world.PostAdjustmentAsync(seller, item, new JsonObject { ["delta"] = -1, ["idempotency_key"] = "pos:sale-1" }, "pos:sale-1");
        Assert.Equal((HttpStatusCode.OK, false), (inBody.Status, (bool)inBody.Body["adjustment"]!["replayed"]!));
        Assert.Equal((HttpStatusCode.OK, true), (inHeader.Status, (bool)inHeader.Body["adjustment"]!["replayed"]!));
        Assert.Equal((HttpStatusCode.OK, true), (both.Status, (bool)both.Body["adjustment"]!["replayed"]!));

        var differ = await world.PostAdjustmentAsync(seller, item, new JsonObject { ["delta"] = -1, ["idempotency_key"] = "pos:sale-2" }, "pos:sale-3");
        Assert.Equal((HttpStatusCode.BadRequest, "idempotency_key_mismatch"), (differ.Status, (string)differ.Body["error"]!));
        Assert.Contains("pos:sale-2", (string)differ.Body["message"]!);

        Assert.Equal("invalid_idempotency_key", (string)(await world.PostAdjustmentAsync(seller, item, new JsonObject { ["delta"] = -1 }, headerKey: null)).Body["error"]!);
        Assert.Equal("invalid_idempotency_key", (string)(await world.AdjustAsync(seller, item, -1, "pos/sale")).Body["error"]!);

        var huge = await world.PostAdjustmentAsync(seller, item, new JsonObject { ["delta"] = -1, ["note"] = new string('x', 70 * 1024) }, "pos:sale-4");
        Assert.Equal((HttpStatusCode.RequestEntityTooLarge, "body_too_large"), (huge.Status, (string)huge.Body["error"]!));

        Assert.Equal(9, await world.LedgerAsync(seller, item)); // one adjustment applied, nothing else
    }

    [Fact]
    public async Task An_order_that_takes_more_than_the_ledger_holds_is_recorded_as_oversold()
    {
        var seller = await world.ConnectSellerAsync("stock_oversold");
        var item = await world.CreateItemAsync(seller, 10);
        await world.SetStockAsync(seller, item, 2);
        await world.Admin.CreateOrderAsync(seller, item, quantity: 3);

        var stock = await world.EventuallyAsync(() => world.StockAsync(seller, item), s => (bool)s["oversold"]!, "oversold");
        Assert.Equal(0, (int)stock["available_quantity"]!);
        Assert.Equal(1, (int)stock["oversold_units"]!);
        await world.WaitUntilQuietAsync();
        await world.ReconcileAsync(seller);
        Assert.Equal(0, await world.MeliQuantityAsync(item));
    }

    [Fact]
    public async Task A_fulfillment_order_never_touches_the_ledger()
    {
        var seller = await world.ConnectSellerAsync("stock_full");
        var item = await world.CreateItemAsync(seller, 10);
        await world.SetStockAsync(seller, item, 10);
        var orderId = (await world.Admin.CreateOrderAsync(seller, item, quantity: 2, shipping: "fulfillment")).GetProperty("id").GetInt64();

        var effect = await world.WaitForEffectAsync(seller, $"{orderId}:subtract", EffectStates.NotApplicable);
        Assert.StartsWith("fulfillment", effect!.GetString("Reason"));
        Assert.Equal(10, await world.LedgerAsync(seller, item));
    }

    [Fact]
    public async Task A_cancel_in_transit_waits_and_gives_the_units_back_once_they_are_returned()
    {
        var seller = await world.ConnectSellerAsync("stock_return");
        var item = await world.CreateItemAsync(seller, 10);
        await world.SetStockAsync(seller, item, 10);
        var orderId = (await world.Admin.CreateOrderAsync(seller, item, quantity: 2)).GetProperty("id").GetInt64();
        await world.WaitForLedgerAsync(seller, item, 8);

        await world.Admin.OrderActionAsync(orderId, "ship");
        await world.Admin.OrderActionAsync(orderId, "cancel");
        var waiting = await world.WaitForEffectAsync(seller, $"{orderId}:restore", EffectStates.Waiting);
        Assert.StartsWith("in_transit", waiting!.GetString("Reason"));
        Assert.Equal(8, await world.LedgerAsync(seller, item));

        await world.Admin.OrderActionAsync(orderId, "return");
        await world.WaitForEffectAsync(seller, $"{orderId}:restore", EffectStates.Applied);
        await world.WaitUntilQuietAsync();
        await world.ReconcileAsync(seller);
        Assert.Equal(10, await world.LedgerAsync(seller, item));
    }
}
