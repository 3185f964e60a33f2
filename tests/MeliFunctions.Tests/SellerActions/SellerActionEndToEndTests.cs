using System.Net;
using System.Text.Json.Nodes;
using MeliFunctions.Orders;
using MeliFunctions.SellerActions;
using MeliFunctions.Tests.Infrastructure;

namespace MeliFunctions.Tests.SellerActions;

/// <summary>Seller actions through the Server against Azurite and the sandbox.</summary>
public sealed class SellerActionEndToEndTests(SellerActionWorld world) : IClassFixture<SellerActionWorld>
{
    [Fact]
    public async Task Tracking_number_reaches_the_shipment_with_the_token_and_JSON_and_shows_on_the_stored_order()
    {
        var (sellerId, orderId, stored) = await world.SellerWithOrderAsync("TRACKER");
        var shipmentId = (long)stored["shipping"]!["id"]!;

        var answer = await world.SendAsync(HttpMethod.Put, $"api/orders/{orderId}/shipment/tracking", new JsonObject { ["tracking_number"] = "AR123456789" }, "track-1");

        Assert.True(answer.Status == HttpStatusCode.OK, answer.ToString());
        Assert.Equal("AR123456789", (string?)answer.Json["meli"]!["tracking_number"]);
        var calls = await world.MeliCallsAsync("PUT", $"/shipments/{shipmentId}");
        var call = Assert.Single(calls);
        Assert.Equal("AR123456789", call.GetProperty("body").GetProperty("tracking_number").GetString());
        Assert.Equal(sellerId, call.GetProperty("seller_id").GetInt64()); // the sandbox knew the seller from the Bearer token
        var sent = Assert.Single(world.Sent, s => s.Method == "PUT" && s.Path == $"/shipments/{shipmentId}");
        Assert.Equal(("Bearer", true, "application/json"), (sent.AuthorizationScheme, sent.HasToken, sent.ContentType));

        var actions = await world.ActionsOfAsync(orderId);
        Assert.Equal("AR123456789", (string?)actions["tracking_number"]);
        var row = Assert.Single(actions["history"]!.AsArray())!;
        Assert.Equal(("track-1", "tracking_number", "done", 200), ((string?)row["idempotency_key"], (string?)row["operation"], (string?)row["state"], (int?)row["status"]));
        var order = await world.WaitForStoredOrderAsync(orderId);
        Assert.Equal(orderId, (long)order["id"]!);
        Assert.Equal(["_sync"], order.Select(p => p.Key).Where(k => k.StartsWith('_'))); // ours stay under _sync, MeLi's at the root
    }

    [Fact]
    public async Task Feedback_is_given_once_per_key_a_reused_key_is_refused_and_a_second_feedback_is_MeLis_400()
    {
        var (_, orderId, _) = await world.SellerWithOrderAsync("FEEDBACKER");
        var feedback = new JsonObject { ["fulfilled"] = true, ["rating"] = "positive", ["message"] = "Great buyer, fast payment." };
        var path = $"api/orders/{orderId}/feedback";

        var first = await world.SendAsync(HttpMethod.Post, path, feedback, "fb-1");
        var retry = await world.SendAsync(HttpMethod.Post, path, feedback, "fb-1");

        Assert.True(first.Status == HttpStatusCode.Created, first.ToString());
        Assert.Equal((HttpStatusCode.Created, first.Text, true), (retry.Status, retry.Text, retry.Replayed));
        Assert.Single(await world.MeliCallsAsync("POST", $"/orders/{orderId}/feedback"));
        var given = Assert.Single(await world.FeedbackLedgerAsync(orderId));
        Assert.Equal(("positive", true, "Great buyer, fast payment."), (given.GetProperty("rating").GetString(), given.GetProperty("fulfilled").GetBoolean(), given.GetProperty("message").GetString()));
        var sent = Assert.Single(world.Sent, s => s.Method == "POST" && s.Path == $"/orders/{orderId}/feedback");
        Assert.Equal(("Bearer", true, "application/json"), (sent.AuthorizationScheme, sent.HasToken, sent.ContentType));

        var reused = await world.SendAsync(HttpMethod.Post, path, new JsonObject { ["fulfilled"] = true, ["rating"] = "neutral", ["message"] = "Other" }, "fb-1");
        Assert.Equal((HttpStatusCode.UnprocessableEntity, "idempotency_key_reused"), (reused.Status, reused.Error));
        Assert.Single(await world.MeliCallsAsync("POST", $"/orders/{orderId}/feedback"));

        var second = await world.SendAsync(HttpMethod.Post, path, feedback, "fb-2");
        Assert.Equal((HttpStatusCode.BadRequest, "feedback_already_exists"), (second.Status, second.Error));
        Assert.Equal((400, "feedback_already_exists"), ((int)second.Json["meli"]!["status"]!, (string?)second.Json["meli"]!["error"]));
        Assert.Equal(2, (await world.MeliCallsAsync("POST", $"/orders/{orderId}/feedback")).Count);
        var again = await world.SendAsync(HttpMethod.Post, path, feedback, "fb-2");
        Assert.Equal((HttpStatusCode.BadRequest, second.Text, true), (again.Status, again.Text, again.Replayed)); // MeLi's refusal is the first answer too
        Assert.Equal(2, (await world.MeliCallsAsync("POST", $"/orders/{orderId}/feedback")).Count);

        var actions = await world.ActionsOfAsync(orderId);
        Assert.Equal("positive", (string?)actions["feedback"]!["rating"]);
        var history = actions["history"]!.AsArray();
        Assert.Equal(["fb-1:done:201:", "fb-2:failed:400:feedback_already_exists"],
            history.Select(h => $"{h!["idempotency_key"]}:{h["state"]}:{h["status"]}:{h["error"]}"));
    }

    [Fact]
    public async Task Feedback_that_MeLi_would_refuse_is_refused_before_calling_it()
    {
        var (_, orderId, _) = await world.SellerWithOrderAsync("CAREFUL");
        var path = $"api/orders/{orderId}/feedback";
        var cases = new (JsonObject Body, string? Key, string Error)[]
        {
            (new JsonObject { ["fulfilled"] = false, ["rating"] = "neutral", ["message"] = "No stock left" }, "v-1", "invalid_reason"),
            (new JsonObject { ["fulfilled"] = false, ["rating"] = "neutral", ["message"] = "No stock left", ["reason"] = "NO_IDEA" }, "v-2", "invalid_reason"),
            (new JsonObject { ["fulfilled"] = "true", ["rating"] = "positive", ["message"] = "ok" }, "v-3", "invalid_fulfilled"),
            (new JsonObject { ["rating"] = "positive", ["message"] = "ok" }, "v-4", "invalid_fulfilled"),
            (new JsonObject { ["fulfilled"] = true, ["rating"] = "great", ["message"] = "ok" }, "v-5", "invalid_rating"),
            (new JsonObject { ["fulfilled"] = true, ["rating"] = "positive", ["message"] = new string('x', 161) }, "v-6", "invalid_message"),
            (new JsonObject { ["fulfilled"] = true, ["rating"] = "positive", ["message"] = "ok", ["reason"] = "OUT_OF_STOCK" }, "v-7", "invalid_reason"),
            (new JsonObject { ["fulfilled"] = true, ["rating"] = "positive", ["message"] = "ok" }, null, "invalid_idempotency_key"),
            (new JsonObject { ["fulfilled"] = true, ["rating"] = "positive", ["message"] = "ok" }, "bad key/with slash", "invalid_idempotency_key"),
        };

        foreach (var (body, key, error) in cases)
        {
            var answer = await world.SendAsync(HttpMethod.Post, path, body, key);
            Assert.True(answer.Status == HttpStatusCode.BadRequest && answer.Error == error, $"{body.ToJsonString()}: {answer}");
            Assert.False(string.IsNullOrWhiteSpace((string?)answer.Json["message"]));
        }

        var huge = await world.SendAsync(HttpMethod.Post, path, new JsonObject { ["fulfilled"] = true, ["rating"] = "positive", ["message"] = new string('x', 17 * 1024) }, "v-8");
        Assert.True(huge.Status == HttpStatusCode.RequestEntityTooLarge && huge.Error == "body_too_large", huge.ToString());

        Assert.Empty(await world.MeliCallsAsync("POST", $"/orders/{orderId}/feedback"));
        Assert.Empty((await world.ActionsOfAsync(orderId))["history"]!.AsArray());

        // The same request made valid goes through with the key a refused one had used: a refusal keeps no key.
        var valid = await world.SendAsync(HttpMethod.Post, path,
            new JsonObject { ["fulfilled"] = false, ["rating"] = "neutral", ["message"] = "No stock left", ["reason"] = "OUT_OF_STOCK", ["restock_item"] = false }, "v-1");
        Assert.True(valid.Status == HttpStatusCode.Created, valid.ToString());
        var given = Assert.Single(await world.FeedbackLedgerAsync(orderId));
        Assert.Equal(("OUT_OF_STOCK", false), (given.GetProperty("reason").GetString(), given.GetProperty("fulfilled").GetBoolean()));
    }

    [Fact]
    public async Task Notes_are_added_listed_edited_and_deleted_and_a_long_note_never_reaches_MeLi()
    {
        var (_, orderId, _) = await world.SellerWithOrderAsync("NOTETAKER");
        var notesPath = $"api/orders/{orderId}/notes";

        var tooLong = await world.SendAsync(HttpMethod.Post, notesPath, new JsonObject { ["note"] = new string('n', 301) }, "n-long");
        Assert.Equal((HttpStatusCode.BadRequest, "note_too_long"), (tooLong.Status, tooLong.Error));
        Assert.Empty(await world.MeliCallsAsync("POST", $"/orders/{orderId}/notes"));

        var added = await world.SendAsync(HttpMethod.Post, notesPath, new JsonObject { ["note"] = new string('a', 300) }, "n-add");
        Assert.True(added.Status == HttpStatusCode.Created, added.ToString());
        var noteId = (string)added.Json["meli"]!["note"]!["id"]!;
        var sent = Assert.Single(world.Sent, s => s.Method == "POST" && s.Path == $"/orders/{orderId}/notes");
        Assert.Equal(("Bearer", true, "application/json"), (sent.AuthorizationScheme, sent.HasToken, sent.ContentType));

        var list = await world.SendAsync(HttpMethod.Get, notesPath, null, null);
        Assert.True(list.Status == HttpStatusCode.OK, list.ToString());
        Assert.Equal(noteId, (string?)JsonNode.Parse(list.Text)![0]!["results"]![0]!["id"]);

        var edited = await world.SendAsync(HttpMethod.Put, $"{notesPath}/{noteId}", new JsonObject { ["note"] = "Call before delivery" }, "n-edit");
        Assert.True(edited.Status == HttpStatusCode.OK, edited.ToString());
        Assert.Equal("Call before delivery", Assert.Single(await world.NotesLedgerAsync(orderId)).GetProperty("note").GetString());

        var deleted = await world.SendAsync(HttpMethod.Delete, $"{notesPath}/{noteId}", null, "n-del");
        Assert.True(deleted.Status == HttpStatusCode.OK, deleted.ToString());
        Assert.True(Assert.Single(await world.NotesLedgerAsync(orderId)).GetProperty("deleted").GetBoolean());

        var missing = await world.SendAsync(HttpMethod.Put, $"{notesPath}/{noteId}", new JsonObject { ["note"] = "again" }, "n-edit-2");
        Assert.Equal((HttpStatusCode.NotFound, "not_found"), (missing.Status, missing.Error)); // MeLi's 404, its code kept

        var history = (await world.ActionsOfAsync(orderId))["history"]!.AsArray();
        Assert.Equal(["n-add:note_add:done", "n-edit:note_edit:done", "n-del:note_delete:done", "n-edit-2:note_edit:failed"],
            history.Select(h => $"{h!["idempotency_key"]}:{h["operation"]}:{h["state"]}"));
        Assert.Equal("Call before delivery", (string?)history[1]!["request"]!["note"]);
    }

    [Fact]
    public async Task Buyers_are_blocked_listed_and_unblocked_on_the_sellers_blacklist()
    {
        var sellerId = await world.ConnectSellerAsync("BLOCKER");
        const long buyer = 777000111;
        var path = $"api/sellers/{sellerId}/blocked-buyers";

        var blocked = await world.SendAsync(HttpMethod.Post, path, new JsonObject { ["user_id"] = buyer }, "b-1");
        var retried = await world.SendAsync(HttpMethod.Post, path, new JsonObject { ["user_id"] = buyer }, "b-1");
        Assert.True(blocked.Status == HttpStatusCode.Created, blocked.ToString());
        Assert.True(retried.Replayed);
        var call = Assert.Single(await world.MeliCallsAsync("POST", $"/users/{sellerId}/order_blacklist"));
        Assert.Equal(buyer, call.GetProperty("body").GetProperty("user_id").GetInt64());
        var sent = Assert.Single(world.Sent, s => s.Method == "POST" && s.Path == $"/users/{sellerId}/order_blacklist");
        Assert.Equal(("Bearer", true, "application/json"), (sent.AuthorizationScheme, sent.HasToken, sent.ContentType));

        var list = await world.SendAsync(HttpMethod.Get, path, null, null);
        Assert.True(list.Status == HttpStatusCode.OK, list.ToString());
        Assert.Equal(buyer, (long)JsonNode.Parse(list.Text)![0]!["user"]!["id"]!);

        var removed = await world.SendAsync(HttpMethod.Delete, $"{path}/{buyer}", null, "b-2");
        Assert.True(removed.Status == HttpStatusCode.OK, removed.ToString());
        var entry = Assert.Single((await world.Admin.GetBlacklistAsync()).EnumerateArray(), b => b.GetProperty("seller_id").GetInt64() == sellerId);
        Assert.True(entry.GetProperty("removed").GetBoolean());

        var notThere = await world.SendAsync(HttpMethod.Delete, $"{path}/{buyer}", null, "b-3");
        Assert.Equal((HttpStatusCode.NotFound, "not_found"), (notThere.Status, notThere.Error));

        var self = await world.SendAsync(HttpMethod.Post, path, new JsonObject { ["user_id"] = sellerId }, "b-4");
        Assert.Equal((HttpStatusCode.BadRequest, "invalid_user_id"), (self.Status, self.Error));
        Assert.Single(await world.MeliCallsAsync("POST", $"/users/{sellerId}/order_blacklist"));
    }

    [Fact]
    public async Task Concurrent_requests_with_one_key_call_MeLi_once_and_all_get_the_first_answer()
    {
        var (sellerId, orderId, _) = await world.SellerWithOrderAsync("CONCURRENT");
        await world.Admin.SetFaultsAsync(new JsonObject { ["seller_id"] = sellerId, ["latency_ms"] = 400 });
        try
        {
            var answers = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ =>
                world.SendAsync(HttpMethod.Post, $"api/orders/{orderId}/notes", new JsonObject { ["note"] = "Gift wrap" }, "same-key")));

            Assert.Single(await world.MeliCallsAsync("POST", $"/orders/{orderId}/notes"));
            var created = answers.Where(a => a.Status == HttpStatusCode.Created).ToList();
            Assert.NotEmpty(created);
            Assert.All(answers, a => Assert.True(a.Status == HttpStatusCode.Created || a.Error == "request_in_progress", a.ToString()));
            Assert.Single(created.Select(a => a.Text).Distinct());
            Assert.Equal(created.Count - 1, created.Count(a => a.Replayed));
        }
        finally
        {
            await world.Admin.ResetFaultsAsync();
        }

        var later = await world.SendAsync(HttpMethod.Post, $"api/orders/{orderId}/notes", new JsonObject { ["note"] = "Gift wrap" }, "same-key");
        Assert.Equal(HttpStatusCode.Created, later.Status);
        Assert.Single(await world.NotesLedgerAsync(orderId));
        Assert.Single(await world.MeliCallsAsync("POST", $"/orders/{orderId}/notes"));
    }

    [Fact]
    public async Task A_MeLi_5xx_answers_502_retryable_and_releases_the_key_for_the_retry()
    {
        var (sellerId, orderId, _) = await world.SellerWithOrderAsync("UNLUCKY");
        await world.Admin.SetFaultsAsync(new JsonObject { ["seller_id"] = sellerId, ["rate_5xx"] = 1.0 });
        Answer failed;
        try
        {
            failed = await world.SendAsync(HttpMethod.Post, $"api/orders/{orderId}/notes", new JsonObject { ["note"] = "Fragile" }, "retry-me");
        }
        finally
        {
            await world.Admin.ResetFaultsAsync();
        }

        Assert.Equal((HttpStatusCode.BadGateway, "meli_unavailable", true), (failed.Status, failed.Error, (bool)failed.Json["retryable"]!));
        Assert.Equal(503, (int)failed.Json["meli"]!["status"]!);
        Assert.Empty(await world.NotesLedgerAsync(orderId));

        var retried = await world.SendAsync(HttpMethod.Post, $"api/orders/{orderId}/notes", new JsonObject { ["note"] = "Fragile" }, "retry-me");
        Assert.True(retried.Status == HttpStatusCode.Created && !retried.Replayed, retried.ToString());
        Assert.Single(await world.NotesLedgerAsync(orderId));
        var row = Assert.Single((await world.ActionsOfAsync(orderId))["history"]!.AsArray())!;
        Assert.Equal("done", (string?)row["state"]);
    }

    [Fact]
    public async Task Actions_on_an_unknown_order_or_a_bad_id_change_nothing()
    {
        var unknown = await world.SendAsync(HttpMethod.Post, "api/orders/2999999999999/notes", new JsonObject { ["note"] = "x" }, "u-1");
        var bad = await world.SendAsync(HttpMethod.Put, "api/orders/abc/shipment/tracking", new JsonObject { ["tracking_number"] = "x" }, "u-2");
        using var noKey = new HttpClient { BaseAddress = world.Server.BaseUrl };
        var anonymous = await noKey.PostAsync("api/orders/1/notes", new StringContent("{\"note\":\"x\"}"));

        Assert.Equal(HttpStatusCode.NotFound, unknown.Status);
        Assert.Equal((HttpStatusCode.BadRequest, "invalid_order_id"), (bad.Status, bad.Error));
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    [Fact]
    public async Task Automatic_feedback_is_given_once_for_five_delivered_notifications()
    {
        var (sellerId, orderId, _) = await world.SellerWithOrderAsync("DELIVERER");
        await world.Admin.OrderActionAsync(orderId, "ship");
        await world.Admin.OrderActionAsync(orderId, "deliver");
        await world.Admin.NotifyAsync($"/orders/{orderId}", "orders_v2", sellerId, times: 5);

        await world.EventuallyAsync(() => world.FeedbackLedgerAsync(orderId), f => f.Count > 0, "the automatic feedback");
        await world.Admin.NotifyAsync($"/orders/{orderId}", "orders_v2", sellerId, times: 5);
        await world.WaitUntilQuietAsync();

        var given = Assert.Single(await world.FeedbackLedgerAsync(orderId));
        Assert.Equal((true, "positive", SellerActionWorld.AutoMessage),
            (given.GetProperty("fulfilled").GetBoolean(), given.GetProperty("rating").GetString(), given.GetProperty("message").GetString()));
        Assert.Single(await world.MeliCallsAsync("POST", $"/orders/{orderId}/feedback"));
        var row = Assert.Single((await world.ActionsOfAsync(orderId))["history"]!.AsArray())!;
        Assert.Equal((AutoFeedbackObserver.KeyFor(orderId), AutoFeedbackObserver.Source, "done"), ((string?)row["idempotency_key"], (string?)row["source"], (string?)row["state"]));
    }

    [Fact]
    public async Task Automatic_feedback_observer_called_five_times_at_once_calls_MeLi_once()
    {
        var (sellerId, orderId, stored) = await world.SellerWithOrderAsync("RACER");
        var delivered = (JsonObject)stored.DeepClone();
        delivered.Remove("_sync");
        delivered["tags"] = new JsonArray("paid", "delivered");
        var observer = world.Service<IEnumerable<IOrderChangeObserver>>().OfType<AutoFeedbackObserver>().Single();
        await world.Admin.SetFaultsAsync(new JsonObject { ["seller_id"] = sellerId, ["latency_ms"] = 300 });
        try
        {
            await Task.WhenAll(Enumerable.Range(0, 5).Select(_ =>
                observer.OnOrderChangedAsync(new OrderChange(sellerId.ToString(), orderId, delivered, null, null), CancellationToken.None)));
        }
        finally
        {
            await world.Admin.ResetFaultsAsync();
        }

        Assert.Single(await world.MeliCallsAsync("POST", $"/orders/{orderId}/feedback"));
        Assert.Single(await world.FeedbackLedgerAsync(orderId));
    }
}
