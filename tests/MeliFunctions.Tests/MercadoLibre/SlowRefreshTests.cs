using System.Diagnostics;
using Azure;
using Azure.Data.Tables;
using MeliFunctions.Hosting;
using MeliFunctions.MercadoLibre;
using MeliFunctions.MercadoLibre.OAuth;
using MeliFunctions.Storage;
using MeliFunctions.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace MeliFunctions.Tests.MercadoLibre;

/// <summary>Refreshes that are slow, or that race with another writer of the seller's row, never lose the tokens MeLi issued.</summary>
public sealed class SlowRefreshTests(MeliWorld world) : IClassFixture<MeliWorld>
{
    [Fact]
    public async Task A_token_call_slower_than_its_timeout_ends_well_before_the_refresh_lease_and_is_sent_once()
    {
        var seller = await world.ConnectSellerAsync("REFRESCO_LENTO");
        await ExpireOurAccessTokenAsync(seller);
        var grants = new TokenGrants { DelayRefresh = TimeSpan.FromSeconds(40) };
        await using var worker = Worker(grants);
        var tokens = worker.GetRequiredService<MeliTokenProvider>();

        var clock = Stopwatch.StartNew();
        var failure = await Assert.ThrowsAsync<MeliApiException>(() => tokens.GetAccessTokenAsync(seller.ToString(), CancellationToken.None));

        Assert.True(clock.Elapsed < MeliTokenProvider.RefreshLease / 2, $"the token call took {clock.Elapsed}, the refresh lease is {MeliTokenProvider.RefreshLease}");
        Assert.Equal(MeliErrorKind.Transient, failure.Kind);
        Assert.Equal(1, grants.RefreshGrants);
        // Its answer may still come (MeLi may have used the refresh token): the lease is kept until it ends.
        Assert.True((await world.SellerRowAsync(seller)).GetDateTimeOffset("RefreshLeaseUntil") > DateTimeOffset.UtcNow);
    }

    [Fact]
    public async Task A_refresh_whose_row_changed_meanwhile_keeps_the_tokens_MeLi_just_issued()
    {
        var seller = await world.ConnectSellerAsync("REFRESCO_412");
        await ExpireOurAccessTokenAsync(seller);
        var accounts = world.Server.App.Services.GetRequiredService<SellerAccounts>();
        var oldRefresh = (await accounts.GetTokensAsync(seller.ToString(), CancellationToken.None))!.RefreshToken;
        // While the grant is at MeLi, another worker writes the row (it took the lease after ours ran out).
        var grants = new TokenGrants
        {
            BeforeRefresh = () => world.Server.Storage.Table(StorageNames.SellersTable).UpdateEntityAsync(
                new TableEntity("seller", seller.ToString()) { ["RefreshLeaseUntil"] = DateTimeOffset.UtcNow.AddSeconds(30) }, ETag.All, TableUpdateMode.Merge),
        };
        await using var worker = Worker(grants);

        var token = await worker.GetRequiredService<MeliTokenProvider>().GetAccessTokenAsync(seller.ToString(), CancellationToken.None);

        // Tokens are sealed at rest: read them as the product does.
        var stored = await accounts.GetTokensAsync(seller.ToString(), CancellationToken.None);
        Assert.Equal(token, stored!.AccessToken);
        Assert.NotEqual(oldRefresh, stored.RefreshToken);
        Assert.Equal("connected", (await world.SellerRowAsync(seller)).GetString("Status"));

        // The stored pair is MeLi's latest: the next refresh works.
        await ExpireOurAccessTokenAsync(seller);
        await using var next = Worker(new TokenGrants());
        var again = await next.GetRequiredService<MeliTokenProvider>().GetAccessTokenAsync(seller.ToString(), CancellationToken.None);
        Assert.NotEqual(token, again);
        Assert.Equal("connected", (await world.SellerRowAsync(seller)).GetString("Status"));
    }

    private async Task ExpireOurAccessTokenAsync(long seller) =>
        await world.Server.Storage.Table(StorageNames.SellersTable).UpdateEntityAsync(
            new TableEntity("seller", seller.ToString()) { ["AccessTokenExpiresAt"] = DateTimeOffset.UtcNow.AddMinutes(-1), ["RefreshLeaseUntil"] = DateTimeOffset.UnixEpoch },
            ETag.All);

    /// <summary>A separate worker (its own DI and clients) on the world's storage, its token calls passing through <paramref name="grants"/>.</summary>
    private ServiceProvider Worker(TokenGrants grants)
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
        var services = new ServiceCollection().AddLogging().AddMeliCore(configuration);
        services.AddHttpClient(MeliOAuthClient.HttpClientName).AddHttpMessageHandler(() => grants);
        return services.BuildServiceProvider();
    }

    /// <summary>Sees every token call: counts the refresh grants, and can wait or act before one goes on to MeLi.</summary>
    private sealed class TokenGrants : DelegatingHandler
    {
        private int _refreshGrants;

        public TimeSpan DelayRefresh { get; init; }

        public Func<Task>? BeforeRefresh { get; init; }

        public int RefreshGrants => Volatile.Read(ref _refreshGrants);

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var form = request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken);
            if (form.Contains("grant_type=refresh_token", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref _refreshGrants);
                if (BeforeRefresh is { } before)
                {
                    await before();
                }

                await Task.Delay(DelayRefresh, cancellationToken);
            }

            return await base.SendAsync(request, cancellationToken);
        }
    }
}
