using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using MeliFunctions.Storage;
using MeliFunctions.Sweeps;
using MeliFunctions.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace MeliFunctions.Tests.Sweeps;

/// <summary>Hooks a test scripts: crash at a step, or hold a run while another starts.</summary>
public sealed class ScriptedSweepHooks : ISweepHooks
{
    public Func<SweepStep, ValueTask>? OnStep { get; set; }

    public ValueTask OnStepAsync(SweepStep step, CancellationToken cancellationToken) => OnStep?.Invoke(step) ?? ValueTask.CompletedTask;
}

/// <summary>The simulated crash a hook throws.</summary>
public sealed class SimulatedCrashException(string message) : Exception(message);

/// <summary>A world with no timers (tests start sweeps through the API), no request pacing, and scriptable sweep hooks.</summary>
public sealed class SweepWorld : MeliWorld
{
    public SweepWorld()
        : this(new ScriptedSweepHooks())
    {
    }

    private SweepWorld(ScriptedSweepHooks hooks)
        : base(new Dictionary<string, string?>
        {
            ["Server:TimersEnabled"] = "false",
        }, builder => builder.Services.AddSingleton<ISweepHooks>(hooks)) =>
        Hooks = hooks;

    public ScriptedSweepHooks Hooks { get; }
}

/// <summary>What the sweep tests ask of the world.</summary>
public static class SweepWorldExtensions
{
    /// <summary>Creates orders (one listing with enough stock), a few at a time; their ids.</summary>
    public static async Task<List<long>> CreateOrdersAsync(this MeliWorld world, long sellerId, int count, bool notify = true, string status = "paid")
    {
        var item = await world.Admin.CreateItemAsync(sellerId, "Remera Algodon Talle M", 4999.5m, count + 10);
        var itemId = item.GetProperty("id").GetString()!;
        var ids = new List<long>();
        foreach (var batch in Enumerable.Range(0, count).Chunk(8))
        {
            var created = await Task.WhenAll(batch.Select(_ => world.Admin.CreateOrderAsync(new JsonObject
            {
                ["seller_id"] = sellerId,
                ["items"] = new JsonArray(new JsonObject { ["item_id"] = itemId, ["quantity"] = 1 }),
                ["status"] = status,
                ["notify"] = notify,
            })));
            ids.AddRange(created.Select(o => o.GetProperty("id").GetInt64()));
        }

        return ids;
    }

    /// <summary>Connects a seller the sandbox already has, the way a seller's browser would.</summary>
    public static async Task ConnectExistingSellerAsync(this MeliWorld world, long sellerId)
    {
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        var start = await browser.GetAsync(new Uri(world.Server.BaseUrl, "api/oauth/start"));
        var toCallback = await browser.GetAsync(start.Headers.Location!.ToString() + "&login_as=" + sellerId);
        var callback = await browser.GetAsync(toCallback.Headers.Location);
        Assert.True(callback.IsSuccessStatusCode, await callback.Content.ReadAsStringAsync());
    }

    public static async Task<JsonObject> SweepAsync(this MeliWorld world, long sellerId)
    {
        var response = await world.Server.Management.PostAsync($"api/admin/sweep?seller={sellerId}&wait=true", null);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        return JsonNode.Parse(body)!.AsObject();
    }

    /// <summary>The seller's part of a sweep report.</summary>
    public static JsonObject SellerReport(this JsonObject report, long sellerId) =>
        report["sellers"]!.AsArray().Single(s => s!["seller_id"]!.GetValue<string>() == sellerId.ToString(CultureInfo.InvariantCulture))!.AsObject();

    /// <summary>Every stored order of the seller: id to (status, last_updated, version), read from the Orders table.</summary>
    public static async Task<Dictionary<long, (string? Status, DateTimeOffset? LastUpdated, int Version)>> StoredOrdersAsync(this MeliWorld world, long sellerId)
    {
        var rows = new Dictionary<long, (string?, DateTimeOffset?, int)>();
        var table = world.Server.Storage.Table(StorageNames.OrdersTable);
        await foreach (var e in table.QueryAsync<TableEntity>(e => e.PartitionKey == sellerId.ToString(CultureInfo.InvariantCulture), select: ["RowKey", "Status", "LastUpdated", "Version"]))
        {
            rows[long.Parse(e.RowKey, CultureInfo.InvariantCulture)] = (e.GetString("Status"), e.GetDateTimeOffset("LastUpdated"), e.GetInt32("Version") ?? 0);
        }

        return rows;
    }

    /// <summary>The sandbox's truth for an order: (status, last_updated).</summary>
    public static async Task<(string Status, DateTimeOffset LastUpdated)> TruthAsync(this MeliWorld world, long orderId)
    {
        var order = await world.Admin.GetOrderAsync(orderId);
        return (order.GetProperty("status").GetString()!, DateTimeOffset.Parse(order.GetProperty("last_updated").GetString()!, CultureInfo.InvariantCulture));
    }

    /// <summary>GET /orders/{id} calls per order id, from the sandbox's request log.</summary>
    public static async Task<Dictionary<long, int>> OrderGetCountsAsync(this MeliWorld world, long sellerId)
    {
        var requests = await world.Admin.GetRequestsAsync("GET", "/orders/", sellerId);
        return requests.EnumerateArray()
            .Select(r => r.GetProperty("path").GetString()!)
            .Where(p => p.Length > 8 && p[8..].All(char.IsAsciiDigit))
            .GroupBy(p => long.Parse(p[8..], CultureInfo.InvariantCulture))
            .ToDictionary(g => g.Key, g => g.Count());
    }

    /// <summary>GET /shipments/{id} calls the seller made.</summary>
    public static async Task<int> ShipmentGetsAsync(this MeliWorld world, long sellerId) =>
        (await world.Admin.GetRequestsAsync("GET", "/shipments/", sellerId)).EnumerateArray().Count();

    /// <summary>The <c>/orders/search</c> calls of the seller (path and query).</summary>
    public static async Task<List<(string Path, string Query)>> SearchesAsync(this MeliWorld world, long sellerId)
    {
        var requests = await world.Admin.GetRequestsAsync("GET", "/orders/search", sellerId);
        return requests.EnumerateArray().Select(r => (r.GetProperty("path").GetString()!, r.GetProperty("query").ToString())).ToList();
    }

    /// <summary>The seller's backfill progress; an empty object while it has none yet (404).</summary>
    public static async Task<JsonObject> BackfillProgressAsync(this MeliWorld world, long sellerId)
    {
        var response = await world.Server.Management.GetAsync($"api/admin/backfill/{sellerId}");
        return response.StatusCode == System.Net.HttpStatusCode.NotFound
            ? []
            : JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
    }

    public static async Task DropNotificationsAsync(this MeliWorld world, long sellerId, double rate) =>
        await world.Admin.SetFaultsAsync(new JsonObject { ["seller_id"] = sellerId, ["drop_notifications_rate"] = rate });

    /// <summary>Waits until the notifications queue is empty (what was queued has been synced).</summary>
    public static async Task WaitForEmptyQueueAsync(this MeliWorld world) =>
        await world.EventuallyAsync(
            async () => (await world.Server.Storage.Queue(StorageNames.NotificationsQueue).GetPropertiesAsync()).Value.ApproximateMessagesCount,
            count => count == 0,
            "the notifications queue empty",
            TimeSpan.FromSeconds(120));

    internal static JsonElement Json(string text) => JsonDocument.Parse(text).RootElement.Clone();
}
