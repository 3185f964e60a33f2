using System.Net.Http.Json;
using System.Text.Json;
using Azure.Data.Tables;
using MeliFunctions.MercadoLibre.OAuth;
using MeliFunctions.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace MeliFunctions.Tests.Infrastructure;

/// <summary>A world whose Server writes every log level into <see cref="Logs"/>.</summary>
public sealed class LoggedMeliWorld : MeliWorld
{
    public LoggedMeliWorld()
        : this(new LogCapture())
    {
    }

    private LoggedMeliWorld(LogCapture logs)
        : base(new Dictionary<string, string?>
        {
            // Every category at every level, overriding the Server's appsettings.json quiet defaults.
            ["Logging:LogLevel:Default"] = "Trace",
            ["Logging:LogLevel:Microsoft.AspNetCore"] = "Trace",
            ["Logging:LogLevel:System.Net.Http.HttpClient"] = "Trace",
            ["Logging:LogLevel:Polly"] = "Trace",
        }, builder => builder.Logging.AddProvider(logs)) =>
        Logs = logs;

    public LogCapture Logs { get; }
}

/// <summary>A world with short refetch and recheck delays (a stale read window of a few seconds can pass in a test).</summary>
public sealed class QuickRecheckMeliWorld() : MeliWorld(new Dictionary<string, string?>
{
    ["OrderSync:PartialRefetchDelay"] = "00:00:02",
    ["OrderSync:StaleRecheckDelay"] = "00:00:06",
});

/// <summary>A world as deployed: new sellers connect only with an operator's invitation.</summary>
public sealed class ClosedEnrolmentMeliWorld() : MeliWorld(new Dictionary<string, string?>
{
    ["OAuth:OpenEnrolment"] = "false",
});

/// <summary>What tests ask of the sandbox's request log and of the Sellers table.</summary>
public static class MeliWorldQueries
{
    /// <summary><c>POST /oauth/token</c> calls with <c>grant_type=refresh_token</c> (the sandbox redacts the token itself).</summary>
    public static async Task<int> RefreshGrantsAsync(this MeliWorld world)
    {
        var posts = await world.Admin.GetRequestsAsync("POST", "/oauth/token");
        return posts.EnumerateArray().Count(r => r.GetProperty("body").ToString().Contains("grant_type=refresh_token"));
    }

    /// <summary><c>GET /orders/{id}</c> calls the sandbox answered.</summary>
    public static async Task<int> OrderGetsAsync(this MeliWorld world, long orderId)
    {
        var gets = await world.Admin.GetRequestsAsync("GET", $"/orders/{orderId}");
        return gets.EnumerateArray().Count(r => r.GetProperty("path").GetString() == $"/orders/{orderId}");
    }

    /// <summary>The seller's row as stored: its tokens sealed.</summary>
    public static async Task<TableEntity> SellerRowAsync(this MeliWorld world, long sellerId) =>
        (await world.Server.Storage.Table(StorageNames.SellersTable).GetEntityAsync<TableEntity>("seller", sellerId.ToString())).Value;

    /// <summary>The seller's tokens in clear, opened with the Server's own key.</summary>
    public static async Task<(string AccessToken, string RefreshToken)> SellerTokensAsync(this MeliWorld world, long sellerId)
    {
        var row = await world.SellerRowAsync(sellerId);
        var sealer = world.Server.App.Services.GetRequiredService<TokenSealer>();
        var id = sellerId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return (sealer.Unseal(id, "AccessToken", row.GetString("AccessToken")), sealer.Unseal(id, "RefreshToken", row.GetString("RefreshToken")));
    }

    /// <summary>Gets the seller a new token pair straight from the sandbox, as another app install would: ours stops working.</summary>
    public static async Task SupersedeRefreshTokenAsync(this MeliWorld world, long sellerId)
    {
        const string redirect = "http://127.0.0.1:9/elsewhere";
        var code = await world.Admin.CreateAuthorizationCodeAsync(sellerId, redirect);
        using var http = new HttpClient { BaseAddress = world.Sandbox.BaseUrl };
        var answer = await http.PostAsync("oauth/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["code"] = code,
            ["redirect_uri"] = redirect,
            ["client_id"] = ServerHost.AppId,
            ["client_secret"] = ServerHost.ClientSecret,
        }));
        Assert.True(answer.IsSuccessStatusCode, await answer.Content.ReadAsStringAsync());
    }

    /// <summary>
    /// Waits until the system is quiet: the sandbox has delivered every notification (200), the
    /// Server's queue is empty (Azurite counts the messages a worker holds, so none is in flight: a
    /// message is deleted only when its work is done) and the sandbox's request log has stopped growing.
    /// </summary>
    public static async Task WaitUntilQuietAsync(this MeliWorld world)
    {
        await world.EventuallyAsync(
            async () => (await world.Admin.GetNotificationsAsync()).EnumerateArray().All(n => n.GetProperty("state").GetString() != "pending"),
            done => done,
            "every notification delivered");
        await world.EventuallyAsync(
            async () => (await world.Server.Storage.Queue(StorageNames.NotificationsQueue).GetPropertiesAsync()).Value.ApproximateMessagesCount,
            count => count == 0,
            "the notifications queue empty",
            TimeSpan.FromSeconds(60));
        await Poll.UntilStableAsync(async () => (await world.Admin.GetRequestsAsync()).GetArrayLength(), "the sandbox's request log");
    }

    /// <summary>The sellers' health, behind the key (<c>GET /api/admin/health</c>).</summary>
    public static async Task<JsonElement> HealthAsync(this MeliWorld world) =>
        await world.Server.Management.GetFromJsonAsync<JsonElement>("api/admin/health");
}

/// <summary>
/// A world whose Server runs no queue pump: a test takes the <c>meli-notifications</c> messages
/// itself, as the Functions queue trigger would. Retries wait 1 s doubling to 3 s.
/// </summary>
public sealed class NoPumpMeliWorld() : MeliWorld(new Dictionary<string, string?>
{
    ["Server:PumpEnabled"] = "false",
    ["Retry:BaseDelay"] = "00:00:01",
    ["Retry:MaxDelay"] = "00:00:03",
});
