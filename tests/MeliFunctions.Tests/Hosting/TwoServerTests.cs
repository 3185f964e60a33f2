using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using MeliFunctions.Storage;
using MeliFunctions.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace MeliFunctions.Tests.Hosting;

/// <summary>
/// Two Servers on one storage account and one sandbox, MeLi's notifications handed to them in turn
/// by a front end (as a load balancer would), both pumping the same queues.
/// </summary>
public sealed class TwoServerWorld() : MeliWorld(new Dictionary<string, string?>
{
    ["Fraud:MeliCancelWait"] = "00:00:02",
    ["Fraud:CancelConfirmWait"] = "00:05:00",
})
{
    private WebApplication _front = null!;
    private readonly int[] _handed = new int[2];
    private int _next;

    public ServerHost Second { get; private set; } = null!;

    /// <summary>Notifications the front end handed to the first and to the second Server.</summary>
    public (int First, int Second) Handed => (Volatile.Read(ref _handed[0]), Volatile.Read(ref _handed[1]));

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Second = await ServerHost.StartAsync(Azurite.ConnectionString, Sandbox.BaseUrl, ServerSettings);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _front = builder.Build();
        var servers = new[] { Server, Second };
        _front.MapPost("/api/notifications", async (HttpRequest request) =>
        {
            var turn = Interlocked.Increment(ref _next) % 2;
            Interlocked.Increment(ref _handed[turn]);
            using var body = new StreamReader(request.Body);
            var answer = await servers[turn].Http.PostAsync("api/notifications", new StringContent(await body.ReadToEndAsync(), System.Text.Encoding.UTF8, "application/json"));
            return Results.Content(await answer.Content.ReadAsStringAsync(), "application/json", statusCode: (int)answer.StatusCode);
        });
        await _front.StartAsync();
        await Admin.SetCallbackUrlAsync(_front.Urls.First().TrimEnd('/') + "/api/notifications");
    }

    public override async Task DisposeAsync()
    {
        if (_front is not null)
        {
            await _front.StopAsync();
            await _front.DisposeAsync();
        }

        if (Second is not null)
        {
            await Second.DisposeAsync();
        }

        await base.DisposeAsync();
    }
}

/// <summary>Two instances are one app: the promises hold with the work split between two Servers.</summary>
public sealed class TwoServerTests(TwoServerWorld world) : IClassFixture<TwoServerWorld>
{
    [Fact]
    public async Task Two_Servers_make_one_case_and_one_feedback_per_fraud_order_an_exact_ledger_and_few_order_GETs()
    {
        var seller = await world.ConnectSellerAsync("DOS_SERVIDORES");
        var plainItem = await TrackedItemAsync(seller, 100);
        var fraudItem = await TrackedItemAsync(seller, 50);

        var plain = new List<long>();
        var fraud = new List<long>();
        for (var i = 0; i < 20; i++)
        {
            plain.Add((await world.Admin.CreateOrderAsync(seller, plainItem, quantity: 1)).GetProperty("id").GetInt64());
            if (i % 2 == 0)
            {
                fraud.Add((await world.Admin.CreateOrderAsync(seller, fraudItem, quantity: 1, shipping: "me2", fraud: true)).GetProperty("id").GetInt64());
            }
        }

        foreach (var orderId in fraud)
        {
            await world.EventuallyAsync(() => FraudStateAsync(orderId), s => s == "cancelled", $"the fraud case of {orderId} cancelled", TimeSpan.FromSeconds(120));
        }

        await world.WaitUntilQuietAsync();
        await world.EventuallyAsync(() => LedgerAsync(seller, plainItem), q => q == 80, "the plain listing's ledger at 80");
        await world.EventuallyAsync(() => LedgerAsync(seller, fraudItem), q => q == 50, "the fraud listing's ledger back at 50");

        var (first, second) = world.Handed;
        Assert.True(first > 0 && second > 0, $"notifications handed {first} and {second}");
        foreach (var orderId in fraud)
        {
            Assert.Single(await CasesInTableAsync(orderId));
            Assert.Single(await world.Admin.GetRequestsAsync("POST", $"/orders/{orderId}/feedback") is var posts ? posts.EnumerateArray().ToList() : []);
            Assert.Single((await world.Admin.GetNotesAsync()).EnumerateArray(), n => n.GetProperty("order_id").GetInt64() == orderId);
        }

        var gets = 0;
        foreach (var orderId in plain)
        {
            gets += await world.OrderGetsAsync(orderId);
        }

        Assert.True(gets <= 1.5 * plain.Count, $"{gets} order GETs for {plain.Count} orders, each changed once");
        Assert.Equal(80, await LedgerAsync(seller, plainItem));
        Assert.Equal(50, await LedgerAsync(seller, fraudItem));
    }

    private async Task<string> TrackedItemAsync(long sellerId, int quantity)
    {
        var item = (await world.Admin.CreateItemAsync(sellerId, "Termo de acero 1L", 25000m, quantity)).GetProperty("id").GetString()!;
        var set = await world.Server.Management.PutAsJsonAsync($"api/stock/{sellerId}/{item}", new JsonObject { ["available_quantity"] = quantity });
        Assert.True(set.IsSuccessStatusCode, await set.Content.ReadAsStringAsync());
        return item;
    }

    private async Task<int> LedgerAsync(long sellerId, string itemId) =>
        (int)JsonNode.Parse(await world.Second.Management.GetStringAsync($"api/stock/{sellerId}/{itemId}"))!["available_quantity"]!;

    private async Task<string?> FraudStateAsync(long orderId)
    {
        var response = await world.Second.Management.GetAsync($"api/fraud-cases/{orderId}");
        return response.IsSuccessStatusCode ? JsonNode.Parse(await response.Content.ReadAsStringAsync())!["state"]?.GetValue<string>() : null;
    }

    private async Task<List<TableEntity>> CasesInTableAsync(long orderId)
    {
        var rows = new List<TableEntity>();
        await foreach (var e in world.Server.Storage.Table(StorageNames.FraudCasesTable).QueryAsync<TableEntity>(e => e.RowKey == orderId.ToString()))
        {
            rows.Add(e);
        }

        return rows;
    }
}
