using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Data.Tables;

namespace MeliFunctions.App.Tests;

/// <summary>
/// What is closed by default, through the Functions host: the webhook's secret, enrolment by
/// invitation, the OAuth state bound to its browser, sealed tokens, the anonymous health probe,
/// and repeats of an order id MeLi refused.
/// </summary>
[Collection(AppCollection.Name)]
public sealed class SecurityOnTheHostTests(AppWorld world)
{
    [Fact]
    public async Task The_webhook_refuses_a_notification_without_its_secret_and_queues_nothing()
    {
        var depth = (await world.Queue("meli-notifications").GetPropertiesAsync()).Value.ApproximateMessagesCount;
        var notification = $$"""{"resource":"/orders/2000000000000123","user_id":1,"topic":"orders_v2","application_id":{{AppWorld.AppId}}}""";

        foreach (var path in new[] { "api/notifications", "api/notifications?secret=guessed" })
        {
            using var response = await world.Host.Http.PostAsync(path, new StringContent(notification, Encoding.UTF8, "application/json"));
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{path}: {(int)response.StatusCode} {text}");
            Assert.Equal("invalid_secret", JsonNode.Parse(text)!["error"]!.GetValue<string>());
        }

        Assert.Equal(depth, (await world.Queue("meli-notifications").GetPropertiesAsync()).Value.ApproximateMessagesCount);
    }

    [Fact]
    public async Task Enrolment_is_closed_a_new_account_needs_an_invitation_and_an_invitation_connects_one_account()
    {
        var stranger = await world.Admin.CreateSellerAsync("APP_SIN_INVITACION");
        var (status, body) = await SignInAsync(new Uri(world.Host.BaseUrl, "api/oauth/start"), stranger.Id);
        Assert.True(status == HttpStatusCode.Forbidden, body.ToJsonString());
        Assert.Equal("not_invited", body["error"]!.GetValue<string>());
        Assert.False((await world.Table("Sellers").GetEntityIfExistsAsync<TableEntity>("seller", stranger.Id.ToString())).HasValue);

        var invite = await world.SendAsync(HttpMethod.Post, "api/admin/invites", new JsonObject { ["expires_in_hours"] = 1 });
        Assert.True(invite.Status == HttpStatusCode.Created, invite.ToString());
        var url = new Uri(invite.Json["url"]!.GetValue<string>());
        var (connected, answer) = await SignInAsync(url, stranger.Id);
        Assert.True(connected == HttpStatusCode.OK, answer.ToJsonString());

        var other = await world.Admin.CreateSellerAsync("APP_MISMO_LINK");
        var (again, refused) = await SignInAsync(url, other.Id);
        Assert.Equal(HttpStatusCode.BadRequest, again);
        Assert.Equal("used_invite", refused["error"]!.GetValue<string>());

        // Known now: authorising again needs no invitation.
        var (reauthorised, _) = await SignInAsync(new Uri(world.Host.BaseUrl, "api/oauth/start"), stranger.Id);
        Assert.Equal(HttpStatusCode.OK, reauthorised);
    }

    [Fact]
    public async Task The_state_is_bound_to_its_browser_by_an_HttpOnly_SameSite_Lax_cookie_and_another_browser_connects_nothing()
    {
        var seller = await world.Admin.CreateSellerAsync("APP_OTRO_NAVEGADOR");
        var invite = await world.SendAsync(HttpMethod.Post, "api/admin/invites");
        using var starter = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        var start = await starter.GetAsync(new Uri(invite.Json["url"]!.GetValue<string>()));
        Assert.Equal(HttpStatusCode.Redirect, start.StatusCode);
        var cookie = Assert.Single(start.Headers.GetValues("Set-Cookie"));
        Assert.StartsWith("meli-oauth-", cookie, StringComparison.Ordinal);
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("code_challenge_method=S256", start.Headers.Location!.Query, StringComparison.Ordinal);
        var callback = (await starter.GetAsync(start.Headers.Location + "&login_as=" + seller.Id)).Headers.Location!;

        using var victim = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        var refused = await victim.GetAsync(callback);
        var text = await refused.Content.ReadAsStringAsync();
        Assert.True(refused.StatusCode == HttpStatusCode.BadRequest, text);
        Assert.Equal("state_not_from_this_browser", JsonNode.Parse(text)!["error"]!.GetValue<string>());
        Assert.False((await world.Table("Sellers").GetEntityIfExistsAsync<TableEntity>("seller", seller.Id.ToString())).HasValue);

        var own = await starter.GetAsync(callback);
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
    }

    [Fact]
    public async Task A_connected_sellers_tokens_are_sealed_in_the_raw_Sellers_table()
    {
        var seller = await world.ConnectSellerAsync("APP_SELLADO");
        var (orderId, _) = await world.CreateOrderAsync(seller);
        await world.WaitForStoredOrderAsync(orderId);

        var row = (await world.Table("Sellers").GetEntityAsync<TableEntity>("seller", seller.ToString())).Value;
        Assert.StartsWith("sealed:app:", row.GetString("AccessToken"), StringComparison.Ordinal);
        Assert.StartsWith("sealed:app:", row.GetString("RefreshToken"), StringComparison.Ordinal);
        var raw = JsonSerializer.Serialize(row);
        Assert.DoesNotContain("APP_USR-", raw, StringComparison.Ordinal);
        Assert.DoesNotContain("TG-", raw, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Anonymous_health_says_only_healthy_or_not_and_the_sellers_state_needs_the_key()
    {
        var seller = await world.ConnectSellerAsync("APP_SALUD");
        await world.Table("Sellers").UpdateEntityAsync(new TableEntity("seller", seller.ToString()) { ["Status"] = "disconnected", ["StatusReason"] = "refresh refused: invalid_grant" }, Azure.ETag.All);

        var ready = await world.SendAsync(HttpMethod.Get, "api/health", key: false);
        Assert.Equal(HttpStatusCode.OK, ready.Status);
        Assert.Equal(["checks", "status"], ready.Json.Select(p => p.Key).Order(StringComparer.Ordinal));
        Assert.Equal("""{"queues":"healthy","storage":"healthy"}""", ready.Json["checks"]!.ToJsonString());
        Assert.DoesNotContain(seller.ToString(), ready.Text, StringComparison.Ordinal);
        var live = await world.SendAsync(HttpMethod.Get, "api/health/live", key: false);
        Assert.Equal((HttpStatusCode.OK, """{"status":"healthy"}"""), (live.Status, live.Text));

        var detail = await world.GetJsonAsync("api/admin/health");
        Assert.Contains(detail["sellers"]!["disconnected"]!.AsArray(), s => s!["seller_id"]!.GetValue<string>() == seller.ToString());
        await world.Table("Sellers").UpdateEntityAsync(new TableEntity("seller", seller.ToString()) { ["Status"] = "connected" }, Azure.ETag.All);
    }

    [Fact]
    public async Task Repeats_of_an_order_id_MeLi_refused_cost_no_GET_and_park_nothing_more()
    {
        var seller = await world.ConnectSellerAsync("APP_ID_FALSO");
        const long Bogus = 2000009999999977;
        await world.Admin.NotifyAsync($"/orders/{Bogus}", "orders_v2", seller);
        await Poll.UntilAsync(
            () => world.GetJsonAsync("api/admin/poison"),
            p => p["messages"]!.AsArray().Any(m => m!["notification"]?["resource"]?.GetValue<string>() == $"/orders/{Bogus}"),
            "the first 404 parked");

        await world.Admin.NotifyAsync($"/orders/{Bogus}", "orders_v2", seller, times: 4);
        await Poll.UntilAsync(
            async () => (await world.Admin.GetNotificationsAsync()).EnumerateArray().All(n => n.GetProperty("state").GetString() != "pending")
                && (await world.Queue("meli-notifications").GetPropertiesAsync()).Value.ApproximateMessagesCount == 0,
            quiet => quiet,
            "every notification delivered and the queue empty");

        Assert.Single(await world.MeliCallsAsync("GET", $"/orders/{Bogus}"));
        var poison = await world.GetJsonAsync("api/admin/poison");
        Assert.Single(poison["messages"]!.AsArray(), m => m!["notification"]?["resource"]?.GetValue<string>() == $"/orders/{Bogus}");
    }

    /// <summary>A browser from <paramref name="start"/> through the sandbox's authorization page (as the seller) to the callback's answer.</summary>
    private static async Task<(HttpStatusCode Status, JsonObject Body)> SignInAsync(Uri start, long sellerId)
    {
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        var first = await browser.GetAsync(start);
        if (first.StatusCode != HttpStatusCode.Redirect)
        {
            return (first.StatusCode, JsonNode.Parse(await first.Content.ReadAsStringAsync())!.AsObject());
        }

        var toCallback = await browser.GetAsync(first.Headers.Location + "&login_as=" + sellerId);
        var callback = await browser.GetAsync(toCallback.Headers.Location);
        return (callback.StatusCode, JsonNode.Parse(await callback.Content.ReadAsStringAsync())!.AsObject());
    }
}
