namespace MeliFunctions.Storage;

/// <summary>The tables and queues the product uses (documented in the README).</summary>
public static class StorageNames
{
    /// <summary>Order notifications waiting for the order sync (the webhook writes, the worker reads).</summary>
    public const string NotificationsQueue = "meli-notifications";

    /// <summary>Where a notification that cannot be processed is parked, with its reason.</summary>
    public const string NotificationsPoisonQueue = NotificationsQueue + "-poison";

    /// <summary>The orders: PartitionKey = seller id, RowKey = order id.</summary>
    public const string OrdersTable = "Orders";

    /// <summary>Order id to seller id, so an order can be found by its id alone.</summary>
    public const string OrderIndexTable = "OrderIndex";

    /// <summary>The search index: PartitionKey = seller id, RowKey = <c>{sort date}_{order id}</c> (sort date = date_closed, else date_created), with the filter columns.</summary>
    public const string OrdersByDateTable = "OrdersByDate";

    /// <summary>Connected sellers and their OAuth tokens: PartitionKey = "seller", RowKey = seller id.</summary>
    public const string SellersTable = "Sellers";

    /// <summary>OAuth <c>state</c> values handed out by /api/oauth/start, single use, short lived.</summary>
    public const string OAuthStatesTable = "OAuthStates";

    /// <summary>The seller's own stock: PartitionKey = seller id, RowKey = item id or <c>itemId:variationId</c>.</summary>
    public const string StockLedgerTable = "StockLedger";

    /// <summary>Stock effects of orders and adjustments, one row per effect: PartitionKey = seller id, RowKey = <c>{orderId}:subtract</c>, <c>{orderId}:restore</c>, <c>adjustment:{key}</c>.</summary>
    public const string StockEffectsTable = "StockEffects";

    /// <summary>Stock reconcile reports: PartitionKey = seller id, RowKey = inverted ticks (newest first).</summary>
    public const string StockReportsTable = "StockReports";

    /// <summary>Sweep and backfill state: per seller (PartitionKey = seller id) the watermarks, cursors and leases; the runs; the missed feeds replayed.</summary>
    public const string SweepStateTable = "SweepState";

    public static IReadOnlyList<string> Tables { get; } = [OrdersTable, OrderIndexTable, OrdersByDateTable, SellersTable, OAuthStatesTable, StockLedgerTable, StockEffectsTable, StockReportsTable, SweepStateTable];

    public static IReadOnlyList<string> Queues { get; } = [NotificationsQueue, NotificationsPoisonQueue];

    public static string PoisonQueueFor(string queue) => queue + "-poison";
}
