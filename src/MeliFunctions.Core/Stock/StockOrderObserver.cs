using MeliFunctions.Orders;
using Microsoft.Extensions.Logging;

namespace MeliFunctions.Stock;

/// <summary>After each stored order change, applies the order's stock effects.</summary>
/// <remarks>
/// A failure is logged, not thrown: the order is stored, and a retried message would find it not newer
/// and skip the observers. What is left (an intent, an undecided restore, an unread shipment) is
/// finished by the next reconcile run (<see cref="OrderStockEffects.HealAsync"/>).
/// </remarks>
public sealed class StockOrderObserver(IOrderStockEffects effects, ILogger<StockOrderObserver> logger) : IOrderChangeObserver
{
    public async Task OnOrderChangedAsync(OrderChange change, CancellationToken cancellationToken)
    {
        try
        {
            var result = await effects.ApplyAsync(change.SellerId, change.OrderId, cancellationToken);
            logger.LogDebug("Stock effects of order {OrderId} (seller {SellerId}): {Description}", change.OrderId, change.SellerId, result.Description);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogError(ex, "Stock effects of order {OrderId} (seller {SellerId}) not applied now; the next reconcile run finishes them", change.OrderId, change.SellerId);
        }
    }
}
