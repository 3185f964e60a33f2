using MeliFunctions.Orders;
using Microsoft.Extensions.Logging;

namespace MeliFunctions.Stock;

/// <summary>After each stored order change, applies the order's stock effects.</summary>
/// <remarks>
/// A failure is thrown: the order sync keeps the version's follow-up pending and retries it (the
/// effects are idempotent). What a retry cannot finish (an unread shipment, a waiting restore) is
/// also picked up by the next reconcile run (<see cref="OrderStockEffects.HealAsync"/>).
/// </remarks>
public sealed class StockOrderObserver(IOrderStockEffects effects, ILogger<StockOrderObserver> logger) : IOrderChangeObserver
{
    public async Task OnOrderChangedAsync(OrderChange change, CancellationToken cancellationToken)
    {
        var result = await effects.ApplyAsync(change.SellerId, change.OrderId, cancellationToken);
        logger.LogDebug("Stock effects of order {OrderId} (seller {SellerId}): {Description}", change.OrderId, change.SellerId, result.Description);
    }
}
