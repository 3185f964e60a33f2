using System.Net;
using System.Text.Json;
using Azure.Data.Tables;
using MeliFunctions.Storage;
using MeliFunctions.Tests.Infrastructure;

namespace MeliFunctions.Tests.MercadoLibre;

/// <summary>The OAuth callback refuses a state it did not issue, an expired one, and one used before; and stores nothing then.</summary>
public sealed class OAuthCallbackTests(MeliWorld world) : IClassFixture<MeliWorld>
{
    private static readonly HttpClient Browser = new(new HttpClientHandler { AllowAutoRedirect = false });

    [Fact]
    public async Task A_state_the_app_never_issued_is_refused_with_invalid_state_and_nothing_is_stored()
    {
        var seller = await world.Admin.CreateSellerAsync("ESTADO_FALSO");
        var code = await world.Admin.CreateAuthorizationCodeAsync(seller.Id, new Uri(world.Server.BaseUrl, "api/oauth/callback").ToString());
        var exchanges = await CodeExchangesAsync();

        var answer = await Browser.GetAsync(new Uri(world.Server.BaseUrl, $"api/oauth/callback?code={code}&state=forged-state"));

        await AssertErrorAsync(answer, "invalid_state");
        Assert.False(await SellerRowExistsAsync(seller.Id));
        Assert.Equal(exchanges, await CodeExchangesAsync());
    }

    [Fact]
    public async Task An_expired_state_is_refused_with_expired_state_and_nothing_is_stored()
    {
        var seller = await world.Admin.CreateSellerAsync("ESTADO_VENCIDO");
        var code = await world.Admin.CreateAuthorizationCodeAsync(seller.Id, new Uri(world.Server.BaseUrl, "api/oauth/callback").ToString());
        var states = world.Server.Storage.Table(StorageNames.OAuthStatesTable);
        await states.AddEntityAsync(new TableEntity("state", "issued-eleven-minutes-ago") { ["ExpiresAt"] = DateTimeOffset.UtcNow.AddMinutes(-1) });
        var exchanges = await CodeExchangesAsync();

        var answer = await Browser.GetAsync(new Uri(world.Server.BaseUrl, $"api/oauth/callback?code={code}&state=issued-eleven-minutes-ago"));

        await AssertErrorAsync(answer, "expired_state");
        Assert.False(await SellerRowExistsAsync(seller.Id));
        Assert.Equal(exchanges, await CodeExchangesAsync());
    }

    [Fact]
    public async Task A_state_used_once_is_refused_the_second_time()
    {
        var seller = await world.Admin.CreateSellerAsync("ESTADO_DOBLE");
        var start = await Browser.GetAsync(new Uri(world.Server.BaseUrl, "api/oauth/start"));
        var toCallback = await Browser.GetAsync(start.Headers.Location + "&login_as=" + seller.Id);
        var callback = toCallback.Headers.Location!;

        var first = await Browser.GetAsync(callback);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var exchanges = await CodeExchangesAsync();

        // The same link again (a replay, or a double click), even with a fresh code: refused before any exchange.
        var freshCode = await world.Admin.CreateAuthorizationCodeAsync(seller.Id, new Uri(world.Server.BaseUrl, "api/oauth/callback").ToString());
        var state = System.Web.HttpUtility.ParseQueryString(callback.Query)["state"];
        var second = await Browser.GetAsync(new Uri(world.Server.BaseUrl, $"api/oauth/callback?code={freshCode}&state={state}"));

        await AssertErrorAsync(second, "invalid_state");
        Assert.Equal(exchanges, await CodeExchangesAsync());
    }

    private static async Task AssertErrorAsync(HttpResponseMessage answer, string error)
    {
        var body = await answer.Content.ReadAsStringAsync();
        Assert.True(answer.StatusCode == HttpStatusCode.BadRequest, body);
        Assert.Equal(error, JsonDocument.Parse(body).RootElement.GetProperty("error").GetString());
    }

    private async Task<bool> SellerRowExistsAsync(long sellerId) =>
        (await world.Server.Storage.Table(StorageNames.SellersTable).GetEntityIfExistsAsync<TableEntity>("seller", sellerId.ToString())).HasValue;

    private async Task<int> CodeExchangesAsync()
    {
        var posts = await world.Admin.GetRequestsAsync("POST", "/oauth/token");
        return posts.EnumerateArray().Count(r => r.GetProperty("body").ToString().Contains("grant_type=authorization_code"));
    }
}
