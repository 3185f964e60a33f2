using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using MeliFunctions.Storage;
using MeliFunctions.Tests.Infrastructure;

namespace MeliFunctions.Tests.MercadoLibre;

/// <summary>
/// Enrolment is closed by default: a new Mercado Libre account connects only with a single-use,
/// expiring invitation an operator created with the management key; an account the app already
/// knows authorises again without one.
/// </summary>
public sealed class EnrolmentTests(ClosedEnrolmentMeliWorld world) : IClassFixture<ClosedEnrolmentMeliWorld>
{
    [Fact]
    public async Task Without_an_invitation_a_new_account_is_refused_and_nothing_is_stored()
    {
        var stranger = await world.Admin.CreateSellerAsync("SIN_INVITACION");

        var (status, body) = await SignInAsync("api/oauth/start", stranger.Id);

        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Equal("not_invited", body["error"]!.GetValue<string>());
        Assert.Contains("invitation", body["message"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.False(await SellerRowExistsAsync(stranger.Id));
    }

    [Fact]
    public async Task An_invitation_connects_one_account_once_and_that_account_then_authorises_again_without_one()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await world.Server.Http.PostAsync("api/admin/invites", null)).StatusCode);
        var invite = await CreateInviteAsync(new JsonObject { ["expires_in_hours"] = 2, ["note"] = "Tienda Sur" });
        var expiresAt = invite["expires_at"]!.GetValue<DateTimeOffset>();
        Assert.InRange(expiresAt, DateTimeOffset.UtcNow.AddMinutes(110), DateTimeOffset.UtcNow.AddMinutes(121));
        var url = new Uri(invite["url"]!.GetValue<string>());
        Assert.Equal("/api/oauth/start", url.AbsolutePath);
        Assert.Equal($"?invite={invite["invite"]!.GetValue<string>()}", url.Query);

        var seller = await world.Admin.CreateSellerAsync("INVITADA");
        var (status, body) = await SignInAsync(url.PathAndQuery.TrimStart('/'), seller.Id);
        Assert.True(status == HttpStatusCode.OK, body.ToJsonString());
        Assert.Equal(seller.Id, body["user_id"]!.GetValue<long>());

        // Single use: the same link refuses at the start, for anyone.
        var other = await world.Admin.CreateSellerAsync("SEGUNDA_CON_EL_MISMO_LINK");
        var (again, refused) = await SignInAsync(url.PathAndQuery.TrimStart('/'), other.Id);
        Assert.Equal(HttpStatusCode.BadRequest, again);
        Assert.Equal("used_invite", refused["error"]!.GetValue<string>());
        Assert.False(await SellerRowExistsAsync(other.Id));

        // The invitations table keeps no usable invitation.
        await foreach (var row in world.Server.Storage.Table(StorageNames.OAuthInvitesTable).QueryAsync<TableEntity>())
        {
            Assert.DoesNotContain(invite["invite"]!.GetValue<string>(), JsonSerializer.Serialize(row), StringComparison.Ordinal);
        }

        // Known now: it authorises again (a dead token, a new scope) with no invitation.
        var (reauthorised, answer) = await SignInAsync("api/oauth/start", seller.Id);
        Assert.True(reauthorised == HttpStatusCode.OK, answer.ToJsonString());
    }

    [Fact]
    public async Task An_unknown_or_expired_invitation_is_refused_at_the_start_with_a_reason()
    {
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = world.Server.BaseUrl };
        var unknown = await browser.GetAsync("api/oauth/start?invite=not-an-invitation");
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Contains("invalid_invite", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var invite = await CreateInviteAsync(null);
        var token = invite["invite"]!.GetValue<string>();
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(token)));
        await world.Server.Storage.Table(StorageNames.OAuthInvitesTable).UpdateEntityAsync(
            new TableEntity("invite", hash) { ["ExpiresAt"] = DateTimeOffset.UtcNow.AddMinutes(-1) }, Azure.ETag.All);
        var expired = await browser.GetAsync($"api/oauth/start?invite={token}");
        Assert.Equal(HttpStatusCode.BadRequest, expired.StatusCode);
        Assert.Contains("expired_invite", await expired.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        foreach (var bad in new[] { """{"expires_in_hours": 0}""", """{"expires_in_hours": 721}""", """{"expires_in_hours": "x"}""", "[1]", "{not json" })
        {
            var answer = await world.Server.Management.PostAsync("api/admin/invites", new StringContent(bad, Encoding.UTF8, "application/json"));
            Assert.True(answer.StatusCode == HttpStatusCode.BadRequest, $"{bad}: {(int)answer.StatusCode}");
        }
    }

    private async Task<JsonObject> CreateInviteAsync(JsonObject? body)
    {
        var answer = await world.Server.Management.PostAsync("api/admin/invites",
            body is null ? null : new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
        var text = await answer.Content.ReadAsStringAsync();
        Assert.True(answer.StatusCode == HttpStatusCode.Created, text);
        return JsonNode.Parse(text)!.AsObject();
    }

    /// <summary>A browser from <paramref name="startPath"/> through the sandbox's authorization page (as the seller) to the callback's answer.</summary>
    private async Task<(HttpStatusCode Status, JsonObject Body)> SignInAsync(string startPath, long sellerId)
    {
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = world.Server.BaseUrl };
        var start = await browser.GetAsync(startPath);
        if (start.StatusCode != HttpStatusCode.Redirect)
        {
            return (start.StatusCode, JsonNode.Parse(await start.Content.ReadAsStringAsync())!.AsObject());
        }

        var toCallback = await browser.GetAsync(start.Headers.Location + "&login_as=" + sellerId);
        var callback = await browser.GetAsync(toCallback.Headers.Location);
        return (callback.StatusCode, JsonNode.Parse(await callback.Content.ReadAsStringAsync())!.AsObject());
    }

    private async Task<bool> SellerRowExistsAsync(long sellerId) =>
        (await world.Server.Storage.Table(StorageNames.SellersTable).GetEntityIfExistsAsync<TableEntity>("seller", sellerId.ToString())).HasValue;
}
