using System.Text.Json.Nodes;
using MeliFunctions.Hosting;
using MeliFunctions.MercadoLibre.OAuth;
using MeliFunctions.Storage;
using MeliFunctions.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace MeliFunctions.Tests.MercadoLibre;

/// <summary>Refresh tokens are single-use: a refresh is serialised per seller across workers, and a 401 costs one refresh.</summary>
public sealed class TokenRefreshTests(MeliWorld world) : IClassFixture<MeliWorld>
{
    [Fact]
    public async Task Two_workers_refreshing_one_seller_at_once_burn_no_refresh_token()
    {
        var seller = await world.ConnectSellerAsync("DOS_WORKERS");
        var before = await world.RefreshGrantsAsync();
        // Our row says the access token ran out (MeLi's copy is still good: only our view matters here).
        await world.Server.Storage.Table(StorageNames.SellersTable).UpdateEntityAsync(
            new Azure.Data.Tables.TableEntity("seller", seller.ToString()) { ["AccessTokenExpiresAt"] = DateTimeOffset.UtcNow.AddMinutes(-1) }, Azure.ETag.All);

        // Two workers: separate processes as far as tokens go (their own DI, clients and memory), one storage account.
        await using var workerA = Worker();
        await using var workerB = Worker();
        var providers = new[] { workerA, workerB }.Select(w => w.GetRequiredService<MeliTokenProvider>()).ToList();
        var tokens = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() => providers[i % 2].GetAccessTokenAsync(seller.ToString(), CancellationToken.None))));

        Assert.Equal(1, await world.RefreshGrantsAsync() - before);
        Assert.Single(tokens.Distinct());
        var row = await world.SellerRowAsync(seller);
        Assert.Equal(tokens[0], (await world.SellerTokensAsync(seller)).AccessToken);
        Assert.Equal("connected", row.GetString("Status"));
        Assert.True(row.GetDateTimeOffset("AccessTokenExpiresAt") > DateTimeOffset.UtcNow.AddMinutes(30));
    }

    [Fact]
    public async Task A_401_mid_run_refreshes_once_and_the_order_is_stored()
    {
        var seller = await world.ConnectSellerAsync("TOKEN_VENCIDO");
        var before = await world.RefreshGrantsAsync();
        var oldToken = (await world.SellerTokensAsync(seller)).AccessToken;

        // MeLi expires every token it issued the seller; our row still believes in it.
        await world.Admin.SetFaultsAsync(new JsonObject { ["seller_id"] = seller, ["expire_tokens"] = true });
        var (orderId, _) = await world.CreatePaidOrderAsync(seller);

        await world.WaitForStoredOrderAsync(orderId);
        await world.WaitUntilQuietAsync();
        Assert.Equal(1, await world.RefreshGrantsAsync() - before);
        var unauthorized = await world.Admin.GetRequestsAsync("GET", $"/orders/{orderId}");
        Assert.Contains(unauthorized.EnumerateArray(), r => r.GetProperty("status").GetInt32() == 401);
        Assert.NotEqual(oldToken, (await world.SellerTokensAsync(seller)).AccessToken);
        Assert.DoesNotContain(await world.PoisonAsync(), p => p.Original.Contains(orderId.ToString()));
        await world.Admin.SetFaultsAsync(new JsonObject { ["seller_id"] = seller });
    }

    private ServiceProvider Worker()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = world.Azurite.ConnectionString,
            ["Meli:ApiBaseUrl"] = world.Sandbox.BaseUrl.ToString(),
            ["Meli:AuthBaseUrl"] = world.Sandbox.BaseUrl.ToString(),
            ["Meli:AppId"] = ServerHost.AppId,
            ["Meli:ClientSecret"] = ServerHost.ClientSecret,
            ["Tokens:Keys"] = ServerHost.TokenKeys,
        }).Build();
        return new ServiceCollection().AddLogging().AddMeliCore(configuration).BuildServiceProvider();
    }
}

/// <summary>A dead refresh token disconnects the seller once; the seller's later notifications cost no MeLi calls.</summary>
public sealed class DeadRefreshTokenTests(LoggedMeliWorld world) : IClassFixture<LoggedMeliWorld>
{
    [Fact]
    public async Task A_dead_refresh_token_marks_the_seller_disconnected_once_and_later_messages_call_nothing()
    {
        var seller = await world.ConnectSellerAsync("TOKEN_MUERTO");
        await world.SupersedeRefreshTokenAsync(seller);
        var refreshesBefore = await world.RefreshGrantsAsync();
        await world.Admin.SetFaultsAsync(new JsonObject { ["seller_id"] = seller, ["expire_tokens"] = true });

        var orders = new List<long>();
        for (var i = 0; i < 3; i++)
        {
            orders.Add((await world.CreatePaidOrderAsync(seller)).OrderId);
        }

        var health = await world.EventuallyAsync(world.HealthAsync, h => h.GetProperty("sellers").GetProperty("disconnected").GetArrayLength() > 0, "the seller shown disconnected");
        var disconnected = health.GetProperty("sellers").GetProperty("disconnected")[0];
        Assert.Equal(seller.ToString(), disconnected.GetProperty("seller_id").GetString());
        Assert.Contains("invalid_grant", disconnected.GetProperty("reason").GetString());
        Assert.Equal("degraded", health.GetProperty("status").GetString());
        await world.WaitUntilQuietAsync();

        // One refresh attempt, one log line, however many messages hit the dead token; nothing parked.
        Assert.Equal(1, await world.RefreshGrantsAsync() - refreshesBefore);
        Assert.Single(world.Logs.Entries, e => e.Level >= Microsoft.Extensions.Logging.LogLevel.Warning && e.Message.Contains("is disconnected"));
        Assert.Empty(await world.PoisonAsync());

        // A later order of this seller is dropped without calling Mercado Libre.
        var gets = await world.Admin.GetRequestsAsync();
        var later = (await world.CreatePaidOrderAsync(seller)).OrderId;
        await world.WaitUntilQuietAsync();
        Assert.Equal(0, await world.OrderGetsAsync(later));
        Assert.Equal(gets.GetArrayLength(), (await world.Admin.GetRequestsAsync()).GetArrayLength());
        Assert.Equal(1, await world.RefreshGrantsAsync() - refreshesBefore);
        Assert.Empty(await world.PoisonAsync());
    }
}
