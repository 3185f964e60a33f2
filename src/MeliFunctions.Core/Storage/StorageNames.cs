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

    /// <summary>Enrolment invitations: PartitionKey = "invite", RowKey = SHA-256 of the invitation; expiry, use.</summary>
    public const string OAuthInvitesTable = "OAuthInvites";

    /// <summary>The seller's own stock: PartitionKey = seller id, RowKey = item id or <c>itemId:variationId</c>.</summary>
    public const string StockLedgerTable = "StockLedger";

    /// <summary>Stock effects of orders and adjustments, one row per effect: PartitionKey = seller id, RowKey = <c>{orderId}:subtract</c>, <c>{orderId}:restore</c>, <c>adjustment:{key}</c>.</summary>
    public const string StockEffectsTable = "StockEffects";

    /// <summary>Stock reconcile reports: PartitionKey = seller id, RowKey = inverted ticks (newest first).</summary>
    public const string StockReportsTable = "StockReports";

    /// <summary>Idempotency records of seller actions: PartitionKey = seller id, RowKey = the Idempotency-Key; state pending or done with the first answer.</summary>
    public const string SellerActionsTable = "SellerActions";

    /// <summary>Seller actions recorded with their order: PartitionKey = order id, RowKey = the Idempotency-Key.</summary>
    public const string OrderActionsTable = "OrderActions";

    /// <summary>Sweep and backfill state: per seller (PartitionKey = seller id) the watermarks, cursors and leases; the runs; the missed feeds replayed.</summary>
    public const string SweepStateTable = "SweepState";

    /// <summary>Fraud cases, one per order: PartitionKey = seller id, RowKey = order id.</summary>
    public const string FraudCasesTable = "FraudCases";

    public static IReadOnlyList<string> Tables { get; } = [OrdersTable, OrderIndexTable, OrdersByDateTable, SellersTable, OAuthStatesTable, OAuthInvitesTable, StockLedgerTable, StockEffectsTable, StockReportsTable, SweepStateTable, FraudCasesTable, SellerActionsTable, OrderActionsTable];

    /// <summary>The fraud flow's steps, waits (visibility delays) and wake-ups.</summary>
    public const string FraudStepsQueue = "fraud-steps";

    public const string FraudStepsPoisonQueue = FraudStepsQueue + "-poison";

    public static IReadOnlyList<string> Queues { get; } = [NotificationsQueue, NotificationsPoisonQueue, FraudStepsQueue, FraudStepsPoisonQueue];

    public static string PoisonQueueFor(string queue) => queue + "-poison";
}
