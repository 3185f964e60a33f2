using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;

namespace MeliFunctions.Sandbox.Tests;

public sealed class FaultTests
{
    private static async Task<(SandboxHarness H, long Seller, string Token, long Order)> WorldAsync(Action<SandboxOptions>? configure = null, FakeTimeProvider? clock = null)
    {
        var h = await SandboxHarness.StartAsync(configure, clock);
        var (seller, token, _) = await h.ConnectSellerAsync("SELLER1");
        var item = await h.CreateItemAsync(seller);
        var order = (await h.Admin.CreateOrderAsync(seller, item)).GetProperty("id").GetInt64();
        return (h, seller, token, order);
    }

    [Fact]
    public async Task Rate_429_answers_too_many_requests_and_reset_clears_it()
    {
        var (h, seller, token, order) = await WorldAsync();
        await using var _ = h;
        await h.Admin.SetFaultsAsync(new JsonObject { ["rate_429"] = 1.0 });
        var (status, body) = await h.GetAsync($"/orders/{order}", token);
        Assert.Equal(429, status);
        Assert.Equal("""{"message":"Too Many Requests","error":"too_many_requests","status":429,"cause":[]}""", body.GetRawText());
        await h.Admin.ResetFaultsAsync();
        Assert.Equal(200, (await h.GetAsync($"/orders/{order}", token)).Status);
    }

    [Fact]
    public async Task Quota_per_second_refuses_calls_beyond_it_in_any_second_for_each_seller()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-03-10T10:00:00Z", CultureInfo.InvariantCulture));
        var (h, seller, token, order) = await WorldAsync(clock: clock);
        await using var _ = h;
        var (other, otherToken, _) = await h.ConnectSellerAsync("SELLER2");
        var otherOrder = (await h.Admin.CreateOrderAsync(other, await h.CreateItemAsync(other))).GetProperty("id").GetInt64();
        await h.Admin.SetFaultsAsync(new JsonObject { ["quota_per_second"] = 3 });

        var first = new List<int>();
        for (var i = 0; i < 3; i++)
        {
            first.Add((await h.GetAsync($"/orders/{order}", token)).Status);
            clock.Advance(TimeSpan.FromMilliseconds(300));
        }

        // 900 ms after the first call: the fourth is one too many in that second, and refused calls do not count.
        var (refused, body) = await h.GetAsync($"/orders/{order}", token);
        Assert.Equal([200, 200, 200], first);
        Assert.Equal(429, refused);
        Assert.Equal("""{"message":"Too Many Requests","error":"too_many_requests","status":429,"cause":[]}""", body.GetRawText());
        Assert.Equal(200, (await h.GetAsync($"/orders/{otherOrder}", otherToken)).Status);

        clock.Advance(TimeSpan.FromMilliseconds(100));
        Assert.Equal(200, (await h.GetAsync($"/orders/{order}", token)).Status);
        Assert.Equal(429, (await h.GetAsync($"/orders/{order}", token)).Status);

        var calls = (await h.Admin.GetRequestsAsync("GET", "/orders/", seller)).EnumerateArray().Select(c => c.GetProperty("status").GetInt32()).ToList();
        Assert.Equal([200, 200, 200, 429, 200, 429], calls);
        Assert.Equal(3, (await h.Admin.GetFaultsAsync()).GetProperty("global").GetProperty("quota_per_second").GetInt32());
    }

    [Fact]
    public async Task Rate_5xx_applies_only_to_the_chosen_seller()
    {
        var (h, seller, token, order) = await WorldAsync();
        await using var _ = h;
        var (other, otherToken, _) = await h.ConnectSellerAsync("SELLER2");
        var otherItem = await h.CreateItemAsync(other);
        var otherOrder = (await h.Admin.CreateOrderAsync(other, otherItem)).GetProperty("id").GetInt64();
        await h.Admin.SetFaultsAsync(new JsonObject { ["seller_id"] = seller, ["rate_5xx"] = 1.0 });
        Assert.True((await h.GetAsync($"/orders/{order}", token)).Status >= 500);
        Assert.Equal(200, (await h.GetAsync($"/orders/{otherOrder}", otherToken)).Status);
    }

    [Fact]
    public async Task Rate_206_empties_the_missing_blocks_and_names_them()
    {
        var (h, _, token, order) = await WorldAsync();
        await using var _ = h;
        await h.Admin.SetFaultsAsync(new JsonObject { ["rate_206"] = 1.0 });
        var (status, body, response) = await h.CallAsync(HttpMethod.Get, $"/orders/{order}", token);
        using (response)
        {
            Assert.Equal(206, status);
            Assert.Equal("buyer,payments", string.Join(',', response.Headers.GetValues("X-Content-Missing")));
        }
        Assert.Empty(body.GetProperty("buyer").EnumerateObject());
        Assert.Equal(0, body.GetProperty("payments").GetArrayLength());
        Assert.Equal(order, body.GetProperty("id").GetInt64());
    }

    [Fact]
    public async Task Expire_tokens_kills_issued_access_tokens_but_refresh_still_works()
    {
        var h = await SandboxHarness.StartAsync();
        await using var _ = h;
        var (seller, token, refresh) = await h.ConnectSellerAsync("SELLER1");
        var item = await h.CreateItemAsync(seller);
        var order = (await h.Admin.CreateOrderAsync(seller, item)).GetProperty("id").GetInt64();
        await h.Admin.SetFaultsAsync(new JsonObject { ["expire_tokens"] = true });
        Assert.Equal(401, (await h.GetAsync($"/orders/{order}", token)).Status);
        var fresh = await h.ExchangeAsync(
        [
            new("grant_type", "refresh_token"), new("client_id", h.Options.AppId), new("client_secret", h.Options.ClientSecret), new("refresh_token", refresh),
        ]);
        Assert.Equal(200, (await h.GetAsync($"/orders/{order}", fresh.GetProperty("access_token").GetString())).Status);
    }

    [Fact]
    public async Task Stale_read_returns_the_previous_version_until_the_window_passes()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-03-10T10:00:00Z", CultureInfo.InvariantCulture));
        var (h, _, token, order) = await WorldAsync(clock: clock);
        await using var _ = h;
        await h.Admin.SetFaultsAsync(new JsonObject { ["stale_read_ms"] = 5000 });
        await h.Admin.OrderActionAsync(order, "cancel", "buyer");
        Assert.Equal("paid", (await h.GetAsync($"/orders/{order}", token)).Body.GetProperty("status").GetString());
        clock.Advance(TimeSpan.FromSeconds(6));
        Assert.Equal("cancelled", (await h.GetAsync($"/orders/{order}", token)).Body.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Bad_fault_values_are_refused()
    {
        await using var h = await SandboxHarness.StartAsync();
        var (status, body) = await h.SendAsync(HttpMethod.Put, "/_sandbox/faults", null, new JsonObject { ["rate_429"] = 2 });
        Assert.Equal(400, status);
        Assert.Contains("rate_429", body.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Duplicate_and_drop_notification_faults()
    {
        await using var receiver = await CallbackReceiver.StartAsync();
        await using var h = await SandboxHarness.StartAsync(o => o.CallbackUrl = receiver.Url);
        await h.Admin.SetFaultsAsync(new JsonObject { ["duplicate_notifications"] = 2 });
        await h.Admin.NotifyAsync("/orders/1", "orders_v2", 5);
        await receiver.WaitForAsync(r => r.Count(n => n.GetProperty("resource").GetString() == "/orders/1") == 3);

        await h.Admin.SetFaultsAsync(new JsonObject { ["drop_notifications_rate"] = 1.0 });
        await h.Admin.NotifyAsync("/orders/2", "orders_v2", 5);
        await h.Admin.ResetFaultsAsync();
        await h.Admin.NotifyAsync("/orders/3", "orders_v2", 5);
        var received = await receiver.WaitForAsync(r => r.Any(n => n.GetProperty("resource").GetString() == "/orders/3"));
        Assert.DoesNotContain(received, n => n.GetProperty("resource").GetString() == "/orders/2");
        var log = await h.Admin.GetNotificationsAsync();
        Assert.Contains(log.EnumerateArray(), n => n.GetProperty("resource").GetString() == "/orders/2" && n.GetProperty("state").GetString() == "dropped");
    }

    [Fact]
    public async Task Reorder_fault_sends_the_newer_notification_first()
    {
        await using var receiver = await CallbackReceiver.StartAsync();
        await using var h = await SandboxHarness.StartAsync(o => o.CallbackUrl = receiver.Url);
        await h.Admin.SetFaultsAsync(new JsonObject { ["reorder_notifications"] = true, ["delay_notifications_ms"] = 0 });
        await h.Admin.NotifyAsync("/orders/10", "orders_v2", 5);
        await h.Admin.NotifyAsync("/orders/11", "orders_v2", 5);
        var received = await receiver.WaitForAsync(r => r.Count >= 2);
        Assert.Equal(["/orders/11", "/orders/10"], received.Take(2).Select(r => r.GetProperty("resource").GetString()!).ToArray());
    }

    [Fact]
    public async Task Delay_fault_holds_notifications_back()
    {
        await using var receiver = await CallbackReceiver.StartAsync();
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-03-10T10:00:00Z", CultureInfo.InvariantCulture));
        await using var h = await SandboxHarness.StartAsync(o => o.CallbackUrl = receiver.Url, clock);
        await h.Admin.SetFaultsAsync(new JsonObject { ["seller_id"] = 5, ["delay_notifications_ms"] = 60_000 });
        await h.Admin.NotifyAsync("/orders/20", "orders_v2", 5);

        // A later notification of a seller without the fault is sent at once: once it has arrived, the
        // hub has taken the delayed one (it reads them in order) and is holding it, not sending it.
        await h.Admin.NotifyAsync("/orders/21", "orders_v2", 6);
        await receiver.WaitForAsync(r => r.Any(n => n.GetProperty("resource").GetString() == "/orders/21"));
        Assert.DoesNotContain(receiver.Received, n => n.GetProperty("resource").GetString() == "/orders/20");
        var held = (await h.Admin.GetNotificationsAsync()).EnumerateArray().Single(n => n.GetProperty("resource").GetString() == "/orders/20");
        Assert.Equal("pending", held.GetProperty("state").GetString());
        Assert.Equal(0, held.GetProperty("attempts").GetArrayLength());

        clock.Advance(TimeSpan.FromMinutes(1));
        await receiver.WaitForAsync(r => r.Any(n => n.GetProperty("resource").GetString() == "/orders/20"));
    }

    [Fact]
    public async Task Latency_fault_still_answers_and_records_the_call()
    {
        var (h, seller, token, order) = await WorldAsync();
        await using var _ = h;
        await h.Admin.SetFaultsAsync(new JsonObject { ["latency_ms"] = 50 });
        Assert.Equal(200, (await h.GetAsync($"/orders/{order}", token)).Status);
        var faults = await h.Admin.GetFaultsAsync();
        Assert.Equal(50, faults.GetProperty("global").GetProperty("latency_ms").GetInt32());
        var calls = await h.Admin.GetRequestsAsync("GET", "/orders/", seller);
        Assert.Equal(JsonValueKind.Array, calls.ValueKind);
        Assert.Equal(200, calls.EnumerateArray().Last().GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task A_late_answered_note_is_added_before_its_answer_and_stands_when_the_caller_gives_up()
    {
        var (h, _, token, order) = await WorldAsync();
        await using var _ = h;
        await h.Admin.SetFaultsAsync(new JsonObject { ["late_write_answer_ms"] = 2000 });

        using var impatient = new HttpClient { BaseAddress = h.Sandbox.BaseUrl, Timeout = TimeSpan.FromMilliseconds(300) };
        using var request = new HttpRequestMessage(HttpMethod.Post, $"orders/{order}/notes")
        {
            Content = new StringContent("""{"note":"late"}""", System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        await Assert.ThrowsAnyAsync<TaskCanceledException>(() => impatient.SendAsync(request));

        var notes = await Poll.UntilAsync(() => h.Admin.GetNotesAsync(), l => l.GetArrayLength() == 1);
        Assert.Equal("late", notes[0].GetProperty("note").GetString());
        var started = DateTime.UtcNow;
        Assert.Equal(200, (await h.GetAsync($"/orders/{order}/notes", token)).Status);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(1), "reads are answered at once");
        var (status, _) = await h.SendAsync(HttpMethod.Post, $"/orders/{order}/notes", token, new JsonObject { ["note"] = "patient" });
        Assert.Equal(201, status);
    }
}
