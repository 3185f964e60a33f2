using System.Net;
using MeliFunctions.Stock;
using MeliFunctions.Tests.Infrastructure;

namespace MeliFunctions.Tests.Stock;

/// <summary>An effect is applied to a ledger row once, recognisably for good: no bounded memory of effect ids on the row.</summary>
public sealed class ExactlyOnceTests(StockWorld world) : IClassFixture<StockWorld>
{
    [Fact]
    public async Task A_crash_between_the_ledger_write_and_the_mark_applies_once_though_150_other_effects_reach_the_row_meanwhile()
    {
        var seller = await world.ConnectSellerAsync("stock_once_forever");
        var item = await world.CreateItemAsync(seller, 1000);
        await world.SetStockAsync(seller, item, 1000);
        // The seller's order subtracts crash after their ledger write, until the test stops it; adjustments do not.
        world.Effects.BeforeEffectMarked = (effect, _) =>
            effect.SellerId == seller.ToString() && effect.EffectId.EndsWith(":subtract", StringComparison.Ordinal)
                ? throw new InvalidOperationException("injected crash after the ledger write")
                : Task.CompletedTask;
        long orderId;
        try
        {
            // The order's subtract is written to the row and never marked while the others come.
            var order = await world.Admin.CreateOrderAsync(seller, item, quantity: 3, ct: CancellationToken.None);
            orderId = order.GetProperty("id").GetInt64();
            await world.WaitForLedgerAsync(seller, item, 997);

            for (var i = 0; i < 150; i++)
            {
                var (status, body) = await world.AdjustAsync(seller, item, -1, $"once-forever-{i}");
                Assert.True(status == HttpStatusCode.OK, body.ToJsonString());
            }
        }
        finally
        {
            world.Effects.BeforeEffectMarked = null;
        }

        await world.WaitUntilQuietAsync();
        // Every replay: notifications, ten workers at once, the reconcile's heal.
        await world.Admin.NotifyAsync($"/orders/{orderId}", "orders_v2", seller, times: 3);
        await world.WaitUntilQuietAsync();
        await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => world.Effects.ApplyAsync(seller.ToString(), orderId, CancellationToken.None)));
        await world.ReconcileAsync(seller);

        Assert.Equal(1000 - 3 - 150, await world.LedgerAsync(seller, item));
        Assert.Equal(EffectStates.Applied, (await world.EffectAsync(seller, StockEffectStore.SubtractId(orderId)))!.GetString("State"));
    }
}
