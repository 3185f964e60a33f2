namespace MeliFunctions.Stock;

/// <summary>What a cancelled order means for the goods, and so for the seller's ledger.</summary>
public enum GoodsVerdict
{
    /// <summary>The goods are with the seller: give the units back once.</summary>
    Restore,

    /// <summary>The goods are on their way back (or may be): decide again later.</summary>
    Wait,

    /// <summary>Nothing automatic: a person decides (a pack that disagrees, an unknown status held by default).</summary>
    Hold,

    /// <summary>The goods are not coming back (delivered): the ledger is not touched.</summary>
    NoRestore,

    /// <summary>Fulfillment: Mercado Libre keeps and counts that stock; the seller's ledger is never touched.</summary>
    NotOurs,
}

/// <summary>The facts a cancellation decision reads: the shipment's status and logistics, and the pack.</summary>
/// <param name="HasShipment">False for orders without a Mercado Libre shipment (the seller hands the goods over).</param>
/// <param name="PackDisagrees">True when other orders of the same pack are not cancelled.</param>
public sealed record CancellationFacts(
    bool HasShipment,
    string? ShipmentStatus,
    string? ShipmentSubstatus,
    string? LogisticType,
    bool PackDisagrees = false);

public sealed record GoodsDecision(GoodsVerdict Verdict, string Reason);

/// <summary>
/// The pure rule (Mercado Libre facts, "Cancellations and the goods"): decide from the shipment,
/// not from the order alone. Never left: stock back. In transit, not delivered or returning: wait
/// until returned. Delivered: no. Fulfillment: not ours. A pack that disagrees: nothing automatic.
/// An unknown status: the configured default, never a guess.
/// </summary>
public static class CancellationGoods
{
    public static GoodsDecision Decide(CancellationFacts facts, UnknownShipmentDefault unknownDefault)
    {
        if (string.Equals(facts.LogisticType, "fulfillment", StringComparison.OrdinalIgnoreCase))
        {
            return new(GoodsVerdict.NotOurs, "fulfillment: Mercado Libre keeps this stock in its warehouse");
        }

        if (facts.PackDisagrees)
        {
            return new(GoodsVerdict.Hold, "pack_disagrees: other orders of the pack are not cancelled");
        }

        if (!facts.HasShipment)
        {
            return new(GoodsVerdict.Restore, "no_shipment: the goods never left the seller");
        }

        var substatus = facts.ShipmentSubstatus?.ToLowerInvariant();
        switch (facts.ShipmentStatus?.ToLowerInvariant())
        {
            case "to_be_agreed" or "pending" or "handling" or "ready_to_ship":
                return new(GoodsVerdict.Restore, $"not_shipped: shipment {facts.ShipmentStatus}");
            case "cancelled":
                // A shipment is cancelled only before it leaves.
                return new(GoodsVerdict.Restore, "shipment_cancelled: the goods never left the seller");
            case "shipped":
                return new(GoodsVerdict.Wait, "in_transit: waiting until the goods are returned");
            case "not_delivered" when substatus is "returned" or "returned_to_sender" or "returned_to_warehouse":
                return new(GoodsVerdict.Restore, $"returned: shipment not_delivered/{substatus}");
            case "not_delivered":
                return new(GoodsVerdict.Wait, $"returning: shipment not_delivered/{substatus ?? "none"}, waiting until returned");
            case "delivered":
                return new(GoodsVerdict.NoRestore, "delivered: the goods are not coming back");
            default:
                var status = facts.ShipmentStatus ?? "unreadable";
                return unknownDefault == UnknownShipmentDefault.Restore
                    ? new(GoodsVerdict.Restore, $"unknown_shipment_status: {status} (default Restore)")
                    : new(GoodsVerdict.Hold, $"unknown_shipment_status: {status} (default Hold)");
        }
    }
}
