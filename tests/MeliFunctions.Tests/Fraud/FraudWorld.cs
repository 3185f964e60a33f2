using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using MeliFunctions.Sandbox;
using MeliFunctions.Stock;
using MeliFunctions.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace MeliFunctions.Tests.Fraud;

/// <summary>
/// Azurite, the sandbox and the Server, with the fraud flow's waits and the sandbox's own fraud
/// cancellation set per world, a Server that can be killed and started again on the same storage,
/// and a stock ledger that records its calls (the stock slice's real ledger plugs into the same seam).
/// </summary>
public abstract class FraudWorld(TimeSpan meliAutoCancel, IDictionary<string, string?> settings) : IAsyncLifetime
{
    public Azurite Azurite { get; private set; } = null!;

    public MeliSandbox Sandbox { get; private set; } = null!;

    public ServerHost Server { get; private set; } = null!;

    public SandboxAdminClient Admin { get; private set; } = null!;

    public RecordingStockEffects Stock { get; } = new();

    public async Task InitializeAsync()
    {
        Azurite = await Azurite.StartAsync();
        Sandbox = await MeliSandbox.StartAsync(new SandboxOptions
        {
            AppId = ServerHost.AppId,
            ClientSecret = ServerHost.ClientSecret,
            NotificationRetryInterval = TimeSpan.FromMilliseconds(200),
            FraudAutoCancelDelay = meliAutoCancel,
        });
        Admin = new SandboxAdminClient(new HttpClient { BaseAddress = Sandbox.BaseUrl });
        await StartServerAsync();
    }

    /// <summary>Stops the Server (as a crash would, mid-flow) and starts a new one on the same storage.</summary>
    public async Task RestartServerAsync()
    {
        await Server.DisposeAsync();
        await StartServerAsync();
    }

    private async Task StartServerAsync()
    {
        Server = await ServerHost.StartAsync(Azurite.ConnectionString, Sandbox.BaseUrl, settings, builder =>
            builder.Services.AddSingleton<IOrderStockEffects>(Stock));
        await Admin.SetCallbackUrlAsync(new Uri(Server.BaseUrl, "api/notifications").ToString());
    }

    public async Task<long> ConnectSellerAsync(string nickname)
    {
        var seller = await Admin.CreateSellerAsync(nickname);
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        var start = await browser.GetAsync(new Uri(Server.BaseUrl, "api/oauth/start"));
        var toCallback = await browser.GetAsync(start.Headers.Location!.ToString() + "&login_as=" + seller.Id);
        var callback = await browser.GetAsync(toCallback.Headers.Location);
        Assert.True(callback.IsSuccessStatusCode, await callback.Content.ReadAsStringAsync());
        return seller.Id;
    }

    public async Task<long> CreateOrderAsync(long sellerId, string shipping, bool fraud)
    {
        var item = await Admin.CreateItemAsync(sellerId, "Notebook 14 pulgadas", 899999.99m, 5);
        var order = await Admin.CreateOrderAsync(sellerId, item.GetProperty("id").GetString()!, 1, shipping: shipping, fraud: fraud);
        return order.GetProperty("id").GetInt64();
    }

    public async Task<JsonObject?> FraudCaseAsync(long orderId)
    {
        var response = await Server.Management.GetAsync($"api/fraud-cases/{orderId}");
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        return JsonNode.Parse(body)!.AsObject();
    }

    public Task<JsonObject> WaitForCaseAsync(long orderId, string state, TimeSpan? timeout = null) =>
        EventuallyAsync(() => FraudCaseAsync(orderId), c => c?["state"]?.GetValue<string>() == state, $"the fraud case of {orderId} to be {state}", timeout)!;

    public async Task<JsonObject> StoredOrderAsync(long orderId)
    {
        var response = await Server.Management.GetAsync($"api/orders/{orderId}");
        return response.IsSuccessStatusCode ? JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject() : [];
    }

    /// <summary>Requests the sandbox answered for this order's <c>POST .../feedback</c>.</summary>
    public async Task<int> FeedbackPostsAsync(long orderId) =>
        (await Admin.GetRequestsAsync("POST", $"/orders/{orderId}/feedback")).EnumerateArray().Count();

    public async Task<List<JsonElement>> NotesAsync(long orderId) =>
        (await Admin.GetNotesAsync()).EnumerateArray().Where(n => n.GetProperty("order_id").GetInt64() == orderId).ToList();

    public static Task<T> EventuallyAsync<T>(Func<Task<T>> probe, Func<T, bool> done, string what, TimeSpan? timeout = null) =>
        Poll.UntilAsync(probe, done, what, timeout ?? TimeSpan.FromSeconds(60), v => v is JsonNode n ? n.ToJsonString() : v?.ToString() ?? "null");

    public static IEnumerable<string> Steps(JsonObject fraudCase) =>
        fraudCase["steps"]!.AsArray().Select(s => s!["step"]!.GetValue<string>());

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        await Sandbox.DisposeAsync();
        await Azurite.DisposeAsync();
    }
}

/// <summary>A stock ledger that only records its calls: how many times each order's effects were applied.</summary>
public sealed class RecordingStockEffects : IOrderStockEffects
{
    private readonly ConcurrentDictionary<long, int> _calls = new();

    public int CallsFor(long orderId) => _calls.GetValueOrDefault(orderId);

    public Task<StockEffectResult> ApplyAsync(string sellerId, long orderId, CancellationToken cancellationToken)
    {
        var call = _calls.AddOrUpdate(orderId, 1, (_, n) => n + 1);
        return Task.FromResult(new StockEffectResult(true, $"test ledger: order {orderId} restored (call {call})"));
    }
}

/// <summary>MeLi cancels fraud orders by itself after 2 s; we would wait 5 minutes for that, then cancel.</summary>
public sealed class QuickMeliCancelWorld() : FraudWorld(TimeSpan.FromSeconds(2), new Dictionary<string, string?>
{
    ["Fraud:MeliCancelWait"] = "00:05:00",
    ["Fraud:CancelConfirmWait"] = "00:05:00",
    ["Fraud:BlacklistBuyer"] = "true",
});

/// <summary>MeLi takes 10 minutes to cancel by itself, and so would we: a case stays waiting.</summary>
public sealed class PatientWorld() : FraudWorld(TimeSpan.FromMinutes(10), new Dictionary<string, string?>
{
    ["Fraud:MeliCancelWait"] = "00:05:00",
});

/// <summary>We give MeLi 3 s, then cancel ourselves (MeLi would take 10 minutes); a dead worker's claim lapses after 3 s.</summary>
public sealed class ShortWaitWorld() : FraudWorld(TimeSpan.FromMinutes(10), new Dictionary<string, string?>
{
    ["Fraud:MeliCancelWait"] = "00:00:03",
    ["Fraud:CancelConfirmWait"] = "00:05:00",
    ["Fraud:StepLease"] = "00:00:03",
});

/// <summary>
/// We give MeLi 2.6 s (MeLi would take 10 minutes), and the pump polls every 100 ms at most: a
/// timer whose delay were cut to whole seconds would wake about half a second before its deadline.
/// </summary>
public sealed class FractionalWaitWorld() : FraudWorld(TimeSpan.FromMinutes(10), new Dictionary<string, string?>
{
    ["Fraud:MeliCancelWait"] = "00:00:02.600",
    ["Fraud:CancelConfirmWait"] = "00:05:00",
    ["extensions:queues:maxPollingInterval"] = "00:00:00.100",
});

public static class FraudWorldQueries
{
    /// <summary>The FraudCases rows of an order (there must be one).</summary>
    public static async Task<List<Azure.Data.Tables.TableEntity>> FraudCasesInTableAsync(this FraudWorld world, long orderId)
    {
        var rows = new List<Azure.Data.Tables.TableEntity>();
        await foreach (var e in world.Server.Storage.Table(MeliFunctions.Storage.StorageNames.FraudCasesTable)
                           .QueryAsync<Azure.Data.Tables.TableEntity>(e => e.RowKey == orderId.ToString()))
        {
            rows.Add(e);
        }

        return rows;
    }
}
