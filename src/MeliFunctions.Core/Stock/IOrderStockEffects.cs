namespace MeliFunctions.Stock;

/// <summary>What applying an order's stock effects did.</summary>
public sealed record StockEffectResult(bool Applied, string Description);

/// <summary>
/// An order's effects on the seller's own stock ledger: subtract once when MeLi subtracts
/// (first move to confirmed or paid), give back once when it is cancelled and the goods are with
/// the seller. Idempotent: calling it again for the same order state changes nothing. The order
/// sync calls it after each stored change, and the fraud flow calls it after a cancellation (the
/// same effect, never a second one).
/// </summary>
public interface IOrderStockEffects
{
    Task<StockEffectResult> ApplyAsync(string sellerId, long orderId, CancellationToken cancellationToken);
}
