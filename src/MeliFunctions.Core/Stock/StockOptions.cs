using System.ComponentModel.DataAnnotations;

namespace MeliFunctions.Stock;

/// <summary>What a cancellation whose shipment status we cannot read or do not know does to the goods.</summary>
public enum UnknownShipmentDefault
{
    /// <summary>Nothing automatic: the restore waits for a person (or for a known status on a later run).</summary>
    Hold,

    /// <summary>Treat the goods as back with the seller.</summary>
    Restore,
}

/// <summary>The stock ledger and the reconcile (section <c>Stock</c>).</summary>
public sealed class StockOptions
{
    public const string Section = "Stock";

    /// <summary>Mercado Libre calls one reconcile run may make for one seller (multigets and PUTs).</summary>
    [Range(1, 1_000_000)]
    public int RequestBudgetPerRun { get; set; } = 1_000;

    /// <summary>Listings per multiget (<c>GET /items?ids=</c>): MeLi takes 20 at most.</summary>
    [Range(1, 20)]
    public int MultigetSize { get; set; } = 20;

    /// <summary>A cancelled order whose shipment status is missing or unknown: <c>Hold</c> (default) or <c>Restore</c>.</summary>
    public UnknownShipmentDefault UnknownShipmentDefault { get; set; } = UnknownShipmentDefault.Hold;

    /// <summary>An <c>items</c> notification reconciles that listing (lowering MeLi's figure only; raising waits for the timer).</summary>
    public bool ReconcileOnItemNotifications { get; set; } = true;

    /// <summary>
    /// An <c>items</c> notification that reaches us this long after our own PUT to that listing answered
    /// (and was sent after the PUT began) is taken as the echo of that PUT and costs no GET; zero turns this off.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan OwnPushEchoWindow { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Each run re-checks the effects of orders stored this long before the previous run began.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "30.00:00:00")]
    public TimeSpan HealWindow { get; set; } = TimeSpan.FromHours(1);

    /// <summary>A restore waiting for the goods (or held) is decided again by the reconcile runs for this long after it opened; then it is left to a person.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "365.00:00:00")]
    public TimeSpan WaitingRestoreWindow { get; set; } = TimeSpan.FromDays(30);

    /// <summary>A waiting restore's shipment is read again by a run when the stored read is older than this (its shipments notification may be lost).</summary>
    [Range(typeof(TimeSpan), "00:01:00", "30.00:00:00")]
    public TimeSpan ShipmentRecheckAfter { get; set; } = TimeSpan.FromHours(6);
}
