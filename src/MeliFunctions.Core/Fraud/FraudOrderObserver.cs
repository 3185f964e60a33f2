using MeliFunctions.Orders;
using Microsoft.Extensions.Logging;

namespace MeliFunctions.Fraud;

/// <summary>
/// Runs first after every stored order change. For an order tagged <c>fraud_risk_detected</c> it
/// stores the hold at once (one merge on the Orders row), opens the case (one per order: an
/// insert), and starts the flow; for an order with a live case it wakes the flow. An order that is
/// not and was not tagged costs nothing (a resumed follow-up, whose previous version is unknown,
/// costs one read of the case).
/// </summary>
public sealed class FraudOrderObserver(
    OrderStore orders,
    FraudCaseStore cases,
    IFraudFlowStarter starter,
    TimeProvider time,
    ILogger<FraudOrderObserver> logger) : IOrderChangeObserver
{
    /// <summary>The hold comes before the shipment read (or anything else slow).</summary>
    public bool ReadsShipment => false;

    public async Task OnOrderChangedAsync(OrderChange change, CancellationToken cancellationToken)
    {
        var tagged = FraudFacts.HasFraudTag(change.Order);
        if (!tagged && !FraudFacts.HasFraudTag(change.Previous) && !change.Resumed)
        {
            return;
        }

        if (tagged)
        {
            await orders.SetHoldAsync(change.SellerId, change.OrderId, held: true, reason: FraudFacts.FraudTag, cancellationToken);
        }

        var facts = FraudFacts.FromOrder(change.Order);
        var existing = await cases.GetAsync(change.SellerId, change.OrderId, cancellationToken);
        switch (FraudFlow.OnOrderChange(existing, facts))
        {
            case FraudCaseAction.Open:
                if (await cases.TryAddAsync(FraudFlow.Open(change.SellerId, change.OrderId, time.GetUtcNow()), cancellationToken))
                {
                    logger.LogWarning("Order {OrderId} of seller {SellerId} is tagged fraud_risk_detected: held, fraud case opened", change.OrderId, change.SellerId);
                }

                break;
            case FraudCaseAction.Reopen:
                if (await cases.TryUpdateAsync(FraudFlow.Reopen(existing!, time.GetUtcNow()), cancellationToken) is not null)
                {
                    logger.LogWarning("Order {OrderId} of seller {SellerId} is tagged fraud_risk_detected again: held, fraud case reopened", change.OrderId, change.SellerId);
                }

                break;
            case FraudCaseAction.Wake:
                break;
            default:
                return;
        }

        await starter.StartOrWakeAsync(change.SellerId, change.OrderId, cancellationToken);
    }
}
