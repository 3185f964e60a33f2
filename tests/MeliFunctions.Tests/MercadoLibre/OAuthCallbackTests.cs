using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Azure.Data.Tables;
using MeliFunctions.Storage;
using MeliFunctions.Tests.Infrastructure;

namespace MeliFunctions.Tests.MercadoLibre;

/// <summary>
/// The OAuth callback refuses a state it did not issue, an expired one, one used before, and one
/// started in another browser; and stores nothing then. The start binds the state to the browser
/// with an HttpOnly, SameSite=Lax cookie and sends a PKCE S256 challenge.
/// </summary>
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
        // Not even a possible state (a table key cannot hold '/' or '#'): 400 with the reason, not a 500.
        await AssertErrorAsync(await Browser.GetAsync(new Uri(world.Server.BaseUrl, $"api/oauth/callback?code={code}&state=a%2Fb%23c")), "invalid_state");
        await AssertErrorAsync(await Browser.GetAsync(new Uri(world.Server.BaseUrl, $"api/oauth/callback?code={code}&state={new string('a', 48)}")), "invalid_state");
        Assert.False(await SellerRowExistsAsync(seller.Id));
        Assert.Equal(exchanges, await CodeExchangesAsync());
    }

    [Fact]
    public async Task An_expired_state_is_refused_with_expired_state_and_nothing_is_stored()
    {
        var seller = await world.Admin.CreateSellerAsync("ESTADO_VENCIDO");
        var code = await world.Admin.CreateAuthorizationCodeAsync(seller.Id, new Uri(world.Server.BaseUrl, "api/oauth/callback").ToString());
        var states = world.Server.Storage.Table(StorageNames.OAuthStatesTable);
        var state = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24)); // issued eleven minutes ago
        const string Binding = "the-browser-binding-of-that-state";
        await states.AddEntityAsync(new TableEntity("state", state)
        {
            ["ExpiresAt"] = DateTimeOffset.UtcNow.AddMinutes(-1),
            ["BindingHash"] = Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(Binding))),
        });
        var exchanges = await CodeExchangesAsync();

        using var sameBrowser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false });
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(world.Server.BaseUrl, $"api/oauth/callback?code={code}&state={state}"));
        request.Headers.Add("Cookie", $"meli-oauth-{state[..16]}={Binding}");
        var answer = await sameBrowser.SendAsync(request);

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

    [Fact]
    public async Task The_start_binds_the_state_to_the_browser_with_an_HttpOnly_SameSite_Lax_cookie_and_sends_a_PKCE_challenge()
    {
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false });
        var start = await browser.GetAsync(new Uri(world.Server.BaseUrl, "api/oauth/start"));
        Assert.Equal(HttpStatusCode.Redirect, start.StatusCode);
        var location = start.Headers.Location!;
        var query = System.Web.HttpUtility.ParseQueryString(location.Query);
        Assert.Equal("S256", query["code_challenge_method"]);
        Assert.Matches("^[A-Za-z0-9_-]{43}$", query["code_challenge"]);

        var cookie = Assert.Single(start.Headers.GetValues("Set-Cookie"));
        Assert.StartsWith($"meli-oauth-{query["state"]![..16]}=", cookie, StringComparison.Ordinal);
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("path=/api/oauth", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("secure", cookie, StringComparison.OrdinalIgnoreCase);

        // Behind a TLS front end the cookie is Secure.
        using var viaHttps = new HttpRequestMessage(HttpMethod.Get, new Uri(world.Server.BaseUrl, "api/oauth/start"));
        viaHttps.Headers.Add("X-Forwarded-Proto", "https");
        var secure = await browser.SendAsync(viaHttps);
        Assert.Contains("secure", Assert.Single(secure.Headers.GetValues("Set-Cookie")), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_callback_opened_in_another_browser_is_refused_connects_nothing_and_leaves_the_sign_in_to_its_own_browser()
    {
        var seller = await world.Admin.CreateSellerAsync("OTRO_NAVEGADOR");
        using var starter = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        var start = await starter.GetAsync(new Uri(world.Server.BaseUrl, "api/oauth/start"));
        var toCallback = await starter.GetAsync(start.Headers.Location + "&login_as=" + seller.Id);
        var callback = toCallback.Headers.Location!;
        var exchanges = await CodeExchangesAsync();

        // The link, sent to someone else (login CSRF): their browser has no cookie for this state.
        using var victim = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        var refused = await victim.GetAsync(callback);

        var body = await AssertErrorAsync(refused, "state_not_from_this_browser");
        Assert.Contains("another browser", body, StringComparison.Ordinal);
        Assert.False(await SellerRowExistsAsync(seller.Id));
        Assert.Equal(exchanges, await CodeExchangesAsync());

        var own = await starter.GetAsync(callback);
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        Assert.True(await SellerRowExistsAsync(seller.Id));
        var exchange = (await world.Admin.GetRequestsAsync("POST", "/oauth/token")).EnumerateArray().Last().GetProperty("body").ToString();
        Assert.Contains("code_verifier=***", exchange, StringComparison.Ordinal);
    }

    private static async Task<string> AssertErrorAsync(HttpResponseMessage answer, string error)
    {
        var body = await answer.Content.ReadAsStringAsync();
        Assert.True(answer.StatusCode == HttpStatusCode.BadRequest, body);
        Assert.Equal(error, JsonDocument.Parse(body).RootElement.GetProperty("error").GetString());
        return body;
    }

    private async Task<bool> SellerRowExistsAsync(long sellerId) =>
        (await world.Server.Storage.Table(StorageNames.SellersTable).GetEntityIfExistsAsync<TableEntity>("seller", sellerId.ToString())).HasValue;

    private async Task<int> CodeExchangesAsync()
    {
        var posts = await world.Admin.GetRequestsAsync("POST", "/oauth/token");
        return posts.EnumerateArray().Count(r => r.GetProperty("body").ToString().Contains("grant_type=authorization_code"));
    }
}
