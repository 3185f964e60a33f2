using System.Text.Json;
using MeliFunctions.Stock;
using MeliFunctions.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace MeliFunctions.Tests.Stock;

/// <summary>The reconcile never pushes a figure older than the ledger: what changed between its read and its PUT waits.</summary>
public sealed class ReconcileRaceTests(StockWorld world) : IClassFixture<StockWorld>
{
    private StockReconciler Reconciler => world.Server.App.Services.GetRequiredService<StockReconciler>();

    [Fact]
    public async Task A_sale_between_the_reconciles_read_and_its_PUT_is_never_overwritten_with_the_older_figure()
    {
        var seller = await world.ConnectSellerAsync("stock_race_sale");
        var item = await world.CreateItemAsync(seller, 5);
        await world.SetStockAsync(seller, item, 8); // MeLi says 5, the ledger 8 (stock came in): the run will push 8
        await world.WaitUntilQuietAsync();
        var sold = 0;
        Reconciler.BeforePush = async (_, itemId, ct) =>
        {
            if (itemId == item && Interlocked.Exchange(ref sold, 1) == 0)
            {
                // A buyer takes one on MeLi after the run read the ledger, before its PUT: MeLi 4, the ledger 7.
                await world.Admin.CreateOrderAsync(seller, item, quantity: 1, ct: ct);
                await world.WaitForLedgerAsync(seller, item, 7);
            }
        };
        JsonElement entry;
        try
        {
            var report = await world.ReconcileAsync(seller);
            entry = JsonDocument.Parse(report.ToJsonString()).RootElement.GetProperty("entries").EnumerateArray().Single(e => e.GetProperty("item_id").GetString() == item);
        }
        finally
        {
            Reconciler.BeforePush = null;
        }

        Assert.Equal(1, sold);
        Assert.Equal(ReconcileOutcomes.Deferred, entry.GetProperty("outcome").GetString());
        Assert.StartsWith("changed_during_run", entry.GetProperty("reason").GetString());
        Assert.DoesNotContain(await PushedFiguresAsync(item), after => after == 8); // 8 would sell a unit the seller no longer has

        await world.WaitUntilQuietAsync();
        await world.ReconcileAsync(seller);
        Assert.Equal(7, await world.LedgerAsync(seller, item));
        Assert.Equal(7, await world.MeliQuantityAsync(item));
    }

    [Fact]
    public async Task A_listing_with_an_effect_recorded_but_not_applied_waits_for_the_next_run()
    {
        var seller = await world.ConnectSellerAsync("stock_race_intent");
        var item = await world.CreateItemAsync(seller, 5);
        await world.SetStockAsync(seller, item, 3);
        await world.WaitUntilQuietAsync();
        var store = world.Server.App.Services.GetRequiredService<StockEffectStore>();
        Reconciler.BeforePush = async (_, itemId, ct) =>
        {
            if (itemId == item)
            {
                // An adjustment whose intent is written and whose ledger write has not happened yet (its process stopped).
                await store.TryWriteAsync(null, new EffectRecord(seller.ToString(), StockEffectStore.AdjustmentId("race-1"), EffectStates.Pending, "adjustment",
                    [new EffectLine(item, -1)], [], null, $"{item}|-1", null, default), ct);
            }
        };
        JsonElement entry;
        try
        {
            var report = await world.ReconcileAsync(seller);
            entry = JsonDocument.Parse(report.ToJsonString()).RootElement.GetProperty("entries").EnumerateArray().Single(e => e.GetProperty("item_id").GetString() == item);
        }
        finally
        {
            Reconciler.BeforePush = null;
        }

        Assert.Equal(ReconcileOutcomes.Deferred, entry.GetProperty("outcome").GetString());
        Assert.StartsWith("unapplied_effect", entry.GetProperty("reason").GetString());
        Assert.Equal(5, await world.MeliQuantityAsync(item));

        var (status, _) = await world.AdjustAsync(seller, item, -1, "race-1"); // the retry finishes it
        Assert.Equal(System.Net.HttpStatusCode.OK, status);
        await world.ReconcileAsync(seller);
        Assert.Equal(2, await world.LedgerAsync(seller, item));
        Assert.Equal(2, await world.MeliQuantityAsync(item));
    }

    private async Task<List<int>> PushedFiguresAsync(string itemId) =>
        (await world.Admin.GetStockUpdatesAsync()).EnumerateArray()
            .Where(u => u.GetProperty("item_id").GetString() == itemId && u.GetProperty("source").GetString()!.StartsWith("PUT", StringComparison.Ordinal))
            .Select(u => u.GetProperty("after").GetInt32())
            .ToList();
}
