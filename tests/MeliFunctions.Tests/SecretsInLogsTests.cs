using System.Text.Json.Nodes;
using MeliFunctions.Tests.Infrastructure;

namespace MeliFunctions.Tests;

/// <summary>Promise 7: the client secret and the seller's tokens never reach a log line, at any level.</summary>
public sealed class SecretsInLogsTests(LoggedMeliWorld world) : IClassFixture<LoggedMeliWorld>
{
    [Fact]
    public async Task Tokens_and_the_client_secret_never_appear_in_the_Servers_logs()
    {
        var seller = await world.ConnectSellerAsync("SIN_SECRETOS");
        var secrets = new HashSet<string> { ServerHost.ClientSecret };
        await CollectTokensAsync(seller, secrets);
        var (first, _) = await world.CreatePaidOrderAsync(seller);
        await world.WaitForStoredOrderAsync(first);

        // A 401 and a refresh, so both token pairs pass through the Server.
        await world.Admin.SetFaultsAsync(new JsonObject { ["seller_id"] = seller, ["expire_tokens"] = true });
        var (second, _) = await world.CreatePaidOrderAsync(seller);
        await world.WaitForStoredOrderAsync(second);
        await world.WaitUntilQuietAsync();
        await CollectTokensAsync(seller, secrets);
        await world.Admin.SetFaultsAsync(new JsonObject { ["seller_id"] = seller });

        Assert.Equal(5, secrets.Count); // the secret, two access tokens, two refresh tokens
        var logs = world.Logs.AllText().ToList();
        Assert.Contains(logs, l => l.Contains("Refreshed the access token")); // the capture saw the refresh
        Assert.Contains(logs, l => l.Contains("/oauth/token")); // and the HTTP client's own logs
        foreach (var secret in secrets)
        {
            var leak = logs.FirstOrDefault(l => l.Contains(secret, StringComparison.Ordinal));
            Assert.True(leak is null, $"a secret reached the logs: {leak}");
        }
    }

    private async Task CollectTokensAsync(long seller, HashSet<string> secrets)
    {
        var (access, refresh) = await world.SellerTokensAsync(seller);
        secrets.Add(access);
        secrets.Add(refresh);
    }
}
