namespace MeliFunctions.Orders;

/// <summary>Timings of the order sync (section <c>OrderSync</c>).</summary>
public sealed class OrderSyncOptions
{
    public const string Section = "OrderSync";

    /// <summary>When a 206 left blocks out, the order is fetched again after this long.</summary>
    public TimeSpan PartialRefetchDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// When a read looks stale (its <c>last_updated</c> is older than the notification's <c>sent</c>),
    /// the order is fetched once more after this long, past Mercado Libre's replica lag.
    /// </summary>
    public TimeSpan StaleRecheckDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long an order id Mercado Libre answered 404 or 403 for is remembered per seller, so that
    /// repeats of it cost no GET (<see cref="UnavailableOrders"/>). Zero turns the memory off.
    /// </summary>
    public TimeSpan UnavailableMemory { get; set; } = TimeSpan.FromHours(1);

    /// <summary>At most this many such ids are remembered per seller (the oldest are forgotten first).</summary>
    public int UnavailableMemorySize { get; set; } = 1000;
}

/// <summary><c>GET /api/orders</c> (section <c>Orders</c>).</summary>
public sealed class OrderSearchOptions
{
    public const string Section = "Orders";

    /// <summary>
    /// A search with no <c>order.date_created.from</c> or <c>order.date_closed.from</c> covers the orders
    /// sorted (closed, else created) this recently, so it reads a key range, not the seller's whole index.
    /// </summary>
    [System.ComponentModel.DataAnnotations.Range(typeof(TimeSpan), "01:00:00", "3650.00:00:00")]
    public TimeSpan SearchWindow { get; set; } = TimeSpan.FromDays(90);
}
