using System.Text.Json;
using Azure.Data.Tables;
using MeliFunctions.MercadoLibre;
using MeliFunctions.MercadoLibre.OAuth;
using MeliFunctions.Storage;
using MeliFunctions.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace MeliFunctions.Tests.MercadoLibre;

/// <summary>
/// Sellers' tokens are sealed at rest (AES-GCM under Tokens__Keys): the raw Sellers table holds no
/// token; a row an older version wrote in clear is read and written again sealed.
/// </summary>
public sealed class TokensAtRestTests(MeliWorld world) : IClassFixture<MeliWorld>
{
    [Fact]
    public async Task The_raw_Sellers_table_holds_no_token()
    {
        var seller = await world.ConnectSellerAsync("TOKENS_SELLADOS");
        var (orderId, _) = await world.CreatePaidOrderAsync(seller);
        await world.WaitForStoredOrderAsync(orderId); // the sync opened the sealed token to call MeLi

        var (access, refresh) = await world.SellerTokensAsync(seller);
        Assert.StartsWith("APP_USR-", access, StringComparison.Ordinal);
        Assert.StartsWith("TG-", refresh, StringComparison.Ordinal);
        await foreach (var row in world.Server.Storage.Table(StorageNames.SellersTable).QueryAsync<TableEntity>())
        {
            var raw = JsonSerializer.Serialize(row);
            Assert.DoesNotContain("APP_USR-", raw, StringComparison.Ordinal);
            Assert.DoesNotContain("TG-", raw, StringComparison.Ordinal);
            Assert.DoesNotContain(access, raw, StringComparison.Ordinal);
            Assert.DoesNotContain(refresh, raw, StringComparison.Ordinal);
        }

        var stored = await world.SellerRowAsync(seller);
        Assert.StartsWith("sealed:test:", stored.GetString("AccessToken"), StringComparison.Ordinal);
        // Bound to its row and column: the access token's sealed value does not open as the refresh token.
        var sealer = new TokenSealer(Options.Create(new TokenOptions { Keys = ServerHost.TokenKeys }), NullLogger<TokenSealer>.Instance);
        Assert.Throws<MeliApiException>(() => sealer.Unseal(seller.ToString(), "RefreshToken", stored.GetString("AccessToken")));
    }

    [Fact]
    public async Task A_row_stored_in_clear_is_read_and_written_again_sealed()
    {
        var seller = await world.Admin.CreateSellerAsync("TOKENS_EN_CLARO");
        var (access, refresh) = await TokensFromMeliAsync(seller.Id);
        await world.Server.Storage.Table(StorageNames.SellersTable).UpsertEntityAsync(new TableEntity("seller", seller.Id.ToString())
        {
            ["Status"] = "connected",
            ["AccessToken"] = access,
            ["RefreshToken"] = refresh,
            ["AccessTokenExpiresAt"] = DateTimeOffset.UtcNow.AddHours(5),
            ["ConnectedAt"] = DateTimeOffset.UtcNow,
            ["LastRefreshAt"] = DateTimeOffset.UtcNow,
            ["RefreshLeaseUntil"] = DateTimeOffset.UnixEpoch,
        });

        var (orderId, _) = await world.CreatePaidOrderAsync(seller.Id);
        await world.WaitForStoredOrderAsync(orderId);

        var row = await world.SellerRowAsync(seller.Id);
        Assert.StartsWith("sealed:test:", row.GetString("AccessToken"), StringComparison.Ordinal);
        Assert.StartsWith("sealed:test:", row.GetString("RefreshToken"), StringComparison.Ordinal);
        Assert.Equal((access, refresh), await world.SellerTokensAsync(seller.Id));
    }

    [Fact]
    public void Keys_rotate_the_first_seals_the_others_still_open_and_a_missing_key_is_named()
    {
        const string Old = "k1:0123456789abcdef0123456789abcdef0123456789abcdef";
        const string New = "k2:fedcba9876543210fedcba9876543210fedcba9876543210";
        var before = Sealer(Old);
        var sealedWithOld = before.Seal("42", "AccessToken", "APP_USR-1");
        Assert.StartsWith("sealed:k1:", sealedWithOld, StringComparison.Ordinal);

        var after = Sealer($"{New};{Old}");
        Assert.Equal(("APP_USR-1", true), after.Open("42", "AccessToken", sealedWithOld)); // opens, and asks to be sealed again with k2
        Assert.StartsWith("sealed:k2:", after.Seal("42", "AccessToken", "APP_USR-1"), StringComparison.Ordinal);
        Assert.Equal(("APP_USR-1", true), after.Open("42", "AccessToken", "APP_USR-1")); // clear: read, and sealed again

        var missing = Assert.Throws<MeliApiException>(() => Sealer(New).Unseal("42", "AccessToken", sealedWithOld));
        Assert.Contains("Tokens__Keys", missing.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("APP_USR-1", missing.Message, StringComparison.Ordinal);

        Assert.Throws<OptionsValidationException>(() => Sealer("k1:too-short"));
        Assert.Throws<OptionsValidationException>(() => Sealer("no-colon-here-and-long-enough-to-be-a-secret"));
    }

    [Fact]
    public async Task Without_a_token_key_the_Server_does_not_start_outside_Development_and_names_the_setting()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            await using var server = await ServerHost.StartAsync(world.Azurite.ConnectionString, world.Sandbox.BaseUrl, new Dictionary<string, string?> { ["Tokens:Keys"] = null });
        });
        Assert.Contains("Tokens__Keys is required", error.Message, StringComparison.Ordinal);
    }

    private static TokenSealer Sealer(string keys) => new(Options.Create(new TokenOptions { Keys = keys }), NullLogger<TokenSealer>.Instance);

    /// <summary>A token pair straight from the sandbox, as an older version of the app would have stored it.</summary>
    private async Task<(string Access, string Refresh)> TokensFromMeliAsync(long sellerId)
    {
        const string Redirect = "http://127.0.0.1:9/older-version";
        var code = await world.Admin.CreateAuthorizationCodeAsync(sellerId, Redirect);
        using var http = new HttpClient { BaseAddress = world.Sandbox.BaseUrl };
        var answer = await http.PostAsync("oauth/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["code"] = code,
            ["redirect_uri"] = Redirect,
            ["client_id"] = ServerHost.AppId,
            ["client_secret"] = ServerHost.ClientSecret,
        }));
        using var tokens = JsonDocument.Parse(await answer.Content.ReadAsStringAsync());
        return (tokens.RootElement.GetProperty("access_token").GetString()!, tokens.RootElement.GetProperty("refresh_token").GetString()!);
    }
}
