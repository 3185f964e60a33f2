using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using MeliFunctions.Stock;
using MeliFunctions.Storage;
using MeliFunctions.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace MeliFunctions.Tests.Stock;

/// <summary>The whole product with the timers off (tests run the reconcile through the admin route) and a quick pace.</summary>
public sealed class StockWorld() : MeliWorld(new Dictionary<string, string?>
{
    ["Server:TimersEnabled"] = "false",
})
{
    public OrderStockEffects Effects => Server.App.Services.GetRequiredService<OrderStockEffects>();

    public async Task<string> CreateItemAsync(long sellerId, int quantity, string status = "active")
    {
        var item = await Admin.CreateItemAsync(new JsonObject
        {
            ["seller_id"] = sellerId,
            ["title"] = "Mate de calabaza",
            ["price"] = 4500m,
            ["currency_id"] = "ARS",
            ["available_quantity"] = quantity,
            ["status"] = status,
        });
        return item.GetProperty("id").GetString()!;
    }

    public async Task<int> MeliQuantityAsync(string itemId, long? variationId = null)
    {
        var item = await Admin.GetItemAsync(itemId);
        return variationId is null
            ? item.GetProperty("available_quantity").GetInt32()
            : item.GetProperty("variations").EnumerateArray().Single(v => v.GetProperty("id").GetInt64() == variationId).GetProperty("available_quantity").GetInt32();
    }

    public async Task<HttpResponseMessage> PutStockAsync(long sellerId, string itemId, JsonObject body) =>
        await Server.Management.PutAsJsonAsync($"api/stock/{sellerId}/{itemId}", body);

    public async Task SetStockAsync(long sellerId, string itemId, int quantity)
    {
        var response = await PutStockAsync(sellerId, itemId, new JsonObject { ["available_quantity"] = quantity });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
    }

    public async Task<JsonObject> StockAsync(long sellerId, string itemId)
    {
        var response = await Server.Management.GetAsync($"api/stock/{sellerId}/{itemId}");
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return JsonNode.Parse(text)!.AsObject();
    }

    public async Task<int> LedgerAsync(long sellerId, string itemId, long? variationId = null)
    {
        var stock = await StockAsync(sellerId, itemId);
        return variationId is null
            ? (int)stock["available_quantity"]!
            : (int)stock["variations"]!.AsArray().Single(v => (long)v!["id"]! == variationId)!["available_quantity"]!;
    }

    public Task<int> WaitForLedgerAsync(long sellerId, string itemId, int expected, long? variationId = null) =>
        EventuallyAsync(() => LedgerAsync(sellerId, itemId, variationId), q => q == expected, $"ledger of {itemId} at {expected}");

    /// <summary>An adjustment with its key in the <c>Idempotency-Key</c> header.</summary>
    public Task<(HttpStatusCode Status, JsonObject Body)> AdjustAsync(long sellerId, string itemId, int delta, string key, long? variationId = null)
    {
        var body = new JsonObject { ["delta"] = delta };
        if (variationId is not null)
        {
            body["variation_id"] = variationId;
        }

        return PostAdjustmentAsync(sellerId, itemId, body, key);
    }

    /// <summary>POST /api/stock/{sellerId}/{itemId}/adjustments with this body and, unless null, this <c>Idempotency-Key</c> header.</summary>
    public async Task<(HttpStatusCode Status, JsonObject Body)> PostAdjustmentAsync(long sellerId, string itemId, JsonNode body, string? headerKey)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"api/stock/{sellerId}/{itemId}/adjustments")
        {
            Content = new StringContent(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json"),
        };
        if (headerKey is not null)
        {
            request.Headers.Add("Idempotency-Key", headerKey);
        }

        using var response = await Server.Management.SendAsync(request);
        return (response.StatusCode, JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject());
    }

    /// <summary>POST /api/admin/reconcile for one seller; answers that seller's report.</summary>
    public async Task<JsonObject> ReconcileAsync(long sellerId, bool dryRun = false)
    {
        var response = await Server.Management.PostAsync($"api/admin/reconcile?seller={sellerId}&dry_run={(dryRun ? "true" : "false")}", null);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, text);
        var reports = JsonNode.Parse(text)!["reports"]!.AsArray();
        return Assert.Single(reports)!.AsObject();
    }

    public async Task<TableEntity?> EffectAsync(long sellerId, string effectId)
    {
        var row = await Server.Storage.Table(StorageNames.StockEffectsTable).GetEntityIfExistsAsync<TableEntity>(sellerId.ToString(), effectId);
        return row.HasValue ? row.Value : null;
    }

    public Task<TableEntity?> WaitForEffectAsync(long sellerId, string effectId, string state) =>
        EventuallyAsync(() => EffectAsync(sellerId, effectId), e => e?.GetString("State") == state, $"effect {effectId} {state}");

    /// <summary>PUT /items calls the sandbox answered for this seller.</summary>
    public async Task<int> ItemPutsAsync(long sellerId) =>
        (await Admin.GetRequestsAsync("PUT", "/items/", sellerId)).EnumerateArray().Count();
}
