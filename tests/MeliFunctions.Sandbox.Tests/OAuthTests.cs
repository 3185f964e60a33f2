using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace MeliFunctions.Sandbox.Tests;

public sealed partial class OAuthTests
{
    private const string InvalidGrant =
        """{"error_description":"Error validating grant. Your authorization code or refresh token may be expired or it was already used","error":"invalid_grant","status":400,"cause":[]}""";

    [GeneratedRegex("^APP_USR-5503910054141466-[0-9]{6}-[0-9a-f]{32}-[0-9]+$")]
    private static partial Regex AccessTokenFormat();

    [GeneratedRegex("^TG-[0-9a-f]{24}-[0-9]+$")]
    private static partial Regex RefreshTokenFormat();

    private static KeyValuePair<string, string>[] RefreshForm(SandboxOptions o, string refresh, string? secret = null) =>
    [
        new("grant_type", "refresh_token"),
        new("client_id", o.AppId),
        new("client_secret", secret ?? o.ClientSecret),
        new("refresh_token", refresh),
    ];

    [Fact]
    public async Task Code_exchange_answers_MeLi_token_shape_and_formats()
    {
        await using var h = await SandboxHarness.StartAsync();
        var seller = await h.Admin.CreateSellerAsync("VENDEDOR1");
        var code = await h.Admin.CreateAuthorizationCodeAsync(seller.Id, SandboxHarness.RedirectUri);
        var tokens = await h.ExchangeCodeAsync(code);

        Assert.Matches(AccessTokenFormat(), tokens.GetProperty("access_token").GetString());
        Assert.EndsWith($"-{seller.Id}", tokens.GetProperty("access_token").GetString(), StringComparison.Ordinal);
        Assert.Matches(RefreshTokenFormat(), tokens.GetProperty("refresh_token").GetString());
        Assert.Equal("bearer", tokens.GetProperty("token_type").GetString());
        Assert.Equal(21600, tokens.GetProperty("expires_in").GetInt32());
        Assert.Equal("offline_access read write", tokens.GetProperty("scope").GetString());
        Assert.Equal(seller.Id, tokens.GetProperty("user_id").GetInt64());
    }

    [Fact]
    public async Task Authorization_code_is_single_use()
    {
        await using var h = await SandboxHarness.StartAsync();
        var seller = await h.Admin.CreateSellerAsync("VENDEDOR1");
        var code = await h.Admin.CreateAuthorizationCodeAsync(seller.Id, SandboxHarness.RedirectUri);
        await h.ExchangeCodeAsync(code);
        var again = await h.ExchangeAsync(
        [
            new("grant_type", "authorization_code"), new("client_id", h.Options.AppId), new("client_secret", h.Options.ClientSecret),
            new("code", code), new("redirect_uri", SandboxHarness.RedirectUri),
        ], HttpStatusCode.BadRequest);
        Assert.Equal(InvalidGrant, again.GetRawText());
    }

    [Fact]
    public async Task Only_the_latest_refresh_token_works()
    {
        await using var h = await SandboxHarness.StartAsync();
        var (sellerId, access, refresh1) = await h.ConnectSellerAsync("VENDEDOR1");
        var second = await h.ExchangeAsync(RefreshForm(h.Options, refresh1));
        var refresh2 = second.GetProperty("refresh_token").GetString()!;
        Assert.NotEqual(refresh1, refresh2);
        Assert.Equal(sellerId, second.GetProperty("user_id").GetInt64());

        var reused = await h.ExchangeAsync(RefreshForm(h.Options, refresh1), HttpStatusCode.BadRequest);
        Assert.Equal(InvalidGrant, reused.GetRawText());

        var third = await h.ExchangeAsync(RefreshForm(h.Options, refresh2));
        Assert.NotEqual(access, third.GetProperty("access_token").GetString());
        var item = await h.CreateItemAsync(sellerId);
        var order = await h.Admin.CreateOrderAsync(sellerId, item);
        var (status, _) = await h.GetAsync($"/orders/{order.GetProperty("id").GetInt64()}", third.GetProperty("access_token").GetString());
        Assert.Equal(200, status);
    }

    [Fact]
    public async Task Wrong_client_secret_is_invalid_client_and_does_not_burn_the_refresh_token()
    {
        await using var h = await SandboxHarness.StartAsync();
        var (_, _, refresh) = await h.ConnectSellerAsync("VENDEDOR1");
        var wrong = await h.ExchangeAsync(RefreshForm(h.Options, refresh, "not-the-secret"), HttpStatusCode.BadRequest);
        Assert.Equal("invalid_client", wrong.GetProperty("error").GetString());
        await h.ExchangeAsync(RefreshForm(h.Options, refresh));
    }

    [Fact]
    public async Task Code_for_another_redirect_uri_is_refused()
    {
        await using var h = await SandboxHarness.StartAsync();
        var seller = await h.Admin.CreateSellerAsync("VENDEDOR1");
        var code = await h.Admin.CreateAuthorizationCodeAsync(seller.Id, "https://other.example.test/cb");
        var answer = await h.ExchangeAsync(
        [
            new("grant_type", "authorization_code"), new("client_id", h.Options.AppId), new("client_secret", h.Options.ClientSecret),
            new("code", code), new("redirect_uri", SandboxHarness.RedirectUri),
        ], HttpStatusCode.BadRequest);
        Assert.Equal("invalid_grant", answer.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Authorization_page_redirects_with_code_and_state_or_lists_sellers()
    {
        await using var h = await SandboxHarness.StartAsync();
        using var noRedirect = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = h.Sandbox.BaseUrl };
        var a = await h.Admin.CreateSellerAsync("VENDEDOR1");
        var query = $"authorization?response_type=code&client_id={h.Options.AppId}&redirect_uri={Uri.EscapeDataString(SandboxHarness.RedirectUri)}&state=xyz";

        using (var single = await noRedirect.GetAsync(query))
        {
            Assert.Equal(HttpStatusCode.Redirect, single.StatusCode);
            var location = single.Headers.Location!.ToString();
            Assert.StartsWith(SandboxHarness.RedirectUri + "?code=TG-", location, StringComparison.Ordinal);
            Assert.EndsWith("&state=xyz", location, StringComparison.Ordinal);
            var code = Uri.UnescapeDataString(location.Split("code=")[1].Split('&')[0]);
            var tokens = await h.ExchangeCodeAsync(code);
            Assert.Equal(a.Id, tokens.GetProperty("user_id").GetInt64());
        }

        var b = await h.Admin.CreateSellerAsync("VENDEDOR2");
        using (var page = await noRedirect.GetAsync(query))
        {
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            var html = await page.Content.ReadAsStringAsync();
            Assert.Contains("VENDEDOR1", html, StringComparison.Ordinal);
            Assert.Contains($"login_as={b.Id}", html, StringComparison.Ordinal);
        }
        using (var chosen = await noRedirect.GetAsync(query + $"&login_as={b.Id}"))
        {
            Assert.Equal(HttpStatusCode.Redirect, chosen.StatusCode);
            Assert.EndsWith($"-{b.Id}", Uri.UnescapeDataString(chosen.Headers.Location!.ToString().Split("code=")[1].Split('&')[0]), StringComparison.Ordinal);
        }
        using var wrongClient = await noRedirect.GetAsync(query.Replace(h.Options.AppId, "123", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.BadRequest, wrongClient.StatusCode);
    }

    [Fact]
    public async Task A_code_issued_with_a_PKCE_challenge_is_redeemed_only_with_its_S256_verifier()
    {
        await using var h = await SandboxHarness.StartAsync();
        using var noRedirect = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = h.Sandbox.BaseUrl };
        var seller = await h.Admin.CreateSellerAsync("VENDEDOR_PKCE");
        const string Verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"; // RFC 7636, appendix B
        const string Challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
        var query = $"authorization?response_type=code&client_id={h.Options.AppId}&redirect_uri={Uri.EscapeDataString(SandboxHarness.RedirectUri)}&state=s" +
                    $"&code_challenge={Challenge}&code_challenge_method=S256&login_as={seller.Id}";

        async Task<string> CodeAsync()
        {
            using var answer = await noRedirect.GetAsync(query);
            Assert.Equal(HttpStatusCode.Redirect, answer.StatusCode);
            return Uri.UnescapeDataString(answer.Headers.Location!.ToString().Split("code=")[1].Split('&')[0]);
        }

        KeyValuePair<string, string>[] Form(string code, string? verifier) =>
        [
            new("grant_type", "authorization_code"), new("client_id", h.Options.AppId), new("client_secret", h.Options.ClientSecret),
            new("code", code), new("redirect_uri", SandboxHarness.RedirectUri), .. verifier is null ? [] : new KeyValuePair<string, string>[] { new("code_verifier", verifier) },
        ];

        Assert.Equal("invalid_grant", (await h.ExchangeAsync(Form(await CodeAsync(), null), HttpStatusCode.BadRequest)).GetProperty("error").GetString());
        Assert.Equal("invalid_grant", (await h.ExchangeAsync(Form(await CodeAsync(), Verifier[..^1] + "x"), HttpStatusCode.BadRequest)).GetProperty("error").GetString());
        var tokens = await h.ExchangeAsync(Form(await CodeAsync(), Verifier));
        Assert.Equal(seller.Id, tokens.GetProperty("user_id").GetInt64());

        using var plain = await noRedirect.GetAsync(query.Replace("S256", "plain", StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.BadRequest, plain.StatusCode);
    }

    [Fact]
    public async Task Token_endpoint_never_records_secrets()
    {
        await using var h = await SandboxHarness.StartAsync();
        var (_, access, refresh) = await h.ConnectSellerAsync("VENDEDOR1");
        await h.ExchangeAsync(RefreshForm(h.Options, refresh));
        var requests = (await h.Admin.GetRequestsAsync(pathPrefix: "/oauth")).GetRawText();
        Assert.Contains("refresh_token=***", requests, StringComparison.Ordinal);
        Assert.DoesNotContain(refresh, requests, StringComparison.Ordinal);
        Assert.DoesNotContain(access, requests, StringComparison.Ordinal);
        Assert.DoesNotContain(h.Options.ClientSecret, requests, StringComparison.Ordinal);
        _ = JsonDocument.Parse(requests);
    }
}
