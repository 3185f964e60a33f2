using System.Text.Json.Nodes;
using MeliFunctions.Hosting;
using MeliFunctions.MercadoLibre;
using MeliFunctions.MercadoLibre.Budget;
using MeliFunctions.MercadoLibre.OAuth;
using MeliFunctions.Notifications;
using MeliFunctions.Queueing;
using MeliFunctions.Stock;
using MeliFunctions.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MeliFunctions.Orders;

/// <summary>
/// The handler of the <c>meli-notifications</c> queue, by topic. An order topic is a hint: fetch
/// the order from Mercado Libre and store it if it is newer than what we have; then hand the change
/// to what acts on it, and record what its shipment says (status, cost, total with shipping). A
/// <c>shipments</c> notification reads the shipment once and records it on its stored orders
/// (<see cref="SyncShipmentAsync"/>); an <c>items</c> notification goes to the
/// <see cref="IItemChangeHandler"/> (the stock's); any other topic is counted and dropped.
/// </summary>
/// <remarks>
/// Duplicates are cheap: messages for one order are handled one at a time in a process
/// (<see cref="OrderLocks"/>), and a message that reached us before a fetch began is answered by
/// that fetch (coalescing). A read that looks stale (its <c>last_updated</c> is well before the
/// notification's <c>sent</c>) does not vouch for later notifications and gets one recheck.
/// </remarks>
public sealed class OrderSync(
    SellerAccounts sellers,
    OrderStore store,
    MeliApiClient meli,
    OrderShippingReader shipping,
    OrderLocks locks,
    ShipmentReads recentReads,
    UnavailableOrders unavailable,
    StorageClients storage,
    IEnumerable<IOrderChangeObserver> observers,
    IEnumerable<IItemChangeHandler> itemHandlers,
    MeliMetrics metrics,
    IOptions<OrderSyncOptions> options,
    TimeProvider time,
    ILogger<OrderSync> logger)
{
    /// <summary>Clock difference we allow between Mercado Libre's <c>sent</c> and our clocks.</summary>
    public static readonly TimeSpan CoalesceMargin = TimeSpan.FromSeconds(2);

    /// <summary>Clock difference we allow between the host that received a notification and the one that fetched.</summary>
    public static readonly TimeSpan ReceiveMargin = TimeSpan.FromMilliseconds(100);

    /// <summary>Origin of the message that rechecks a read that looked stale.</summary>
    public const string StaleRecheckOrigin = "recheck_stale";

    /// <summary>Origin of the message that refetches an order a 206 left incomplete.</summary>
    public const string PartialRefetchOrigin = "refetch_partial";

    /// <summary>Origin of the message that finishes a stored order's pending follow-up (the sweep's repair pass): no GET.</summary>
    public const string FollowUpOrigin = "follow_up";

    public async Task<WorkOutcome> SyncAsync(NotificationMessage message, CancellationToken cancellationToken)
    {
        // A live notification goes before what a sweep or a backfill queued, in the seller's budget.
        using var priority = MeliCallScope.Begin(PriorityOf(message.Origin));
        if (message.Topic == NotificationTopics.Items && itemHandlers.FirstOrDefault() is { } itemHandler)
        {
            return await itemHandler.HandleAsync(message, cancellationToken);
        }

        if (message.Topic == NotificationTopics.Shipments)
        {
            return await SyncShipmentAsync(message, cancellationToken);
        }

        if (!NotificationTopics.IsOrderTopic(message.Topic))
        {
            metrics.NotificationIgnored(message.Topic, "no_handler");
            return WorkOutcome.Completed($"no handler for topic {message.Topic}");
        }

        if (NotificationTopics.OrderId(message.Resource) is not { } orderId)
        {
            return WorkOutcome.Park($"'{message.Resource}' is not an order resource", "invalid_resource");
        }

        using var scope = logger.BeginScope(new Dictionary<string, object> { ["SellerId"] = message.SellerId, ["OrderId"] = orderId });
        var seller = await sellers.GetAsync(message.SellerId, cancellationToken);
        if (seller is not { IsConnected: true })
        {
            // Logged once when the seller was disconnected (MeliTokenProvider); not again per message.
            var reason = seller is null ? "seller_not_connected" : "seller_disconnected";
            metrics.NotificationIgnored(message.Topic, reason);
            logger.LogDebug("Notification for order {OrderId} ignored: seller {SellerId} is {Reason}", orderId, message.SellerId, reason);
            return WorkOutcome.Completed(reason);
        }

        if (unavailable.Recall(message.SellerId, orderId) is { } refusedFor)
        {
            // MeLi refused this id for this seller a moment ago (the first one was parked with the reason).
            metrics.NotificationIgnored(message.Topic, "recently_unavailable");
            logger.LogDebug("Order {OrderId} of seller {SellerId}: Mercado Libre answered {Reason} for it lately; no GET", orderId, message.SellerId, refusedFor);
            return WorkOutcome.Completed("recently_unavailable");
        }

        using var orderLock = await locks.AcquireAsync(message.SellerId, orderId, cancellationToken);
        var stored = await store.GetAsync(message.SellerId, orderId, cancellationToken);
        if (message.Origin == FollowUpOrigin && stored is not null)
        {
            return stored.FollowUpPending
                ? await FollowUpAsync(stored, null, resumed: true, message.TraceParent, null, cancellationToken) ?? WorkOutcome.Completed("follow-up finished")
                : WorkOutcome.Completed("follow-up already done");
        }

        if (Coalesces(stored, message))
        {
            metrics.GetSaved();
            logger.LogDebug("Order {OrderId}: fetched at {FetchedAt}, after this notification was sent ({Sent}) and received ({Received}); no new GET",
                orderId, stored!.FetchedAt, message.Sent, message.Received);
            return stored.FollowUpPending
                ? await FollowUpAsync(stored, null, resumed: true, message.TraceParent, null, cancellationToken) ?? WorkOutcome.Completed("coalesced; follow-up finished")
                : WorkOutcome.Completed("coalesced");
        }

        var fetchStartedAt = time.GetUtcNow();
        MeliOrderResponse response;
        try
        {
            response = await meli.GetOrderAsync(message.SellerId, orderId, cancellationToken);
        }
        catch (MeliApiException ex)
        {
            if (ex.Kind == MeliErrorKind.Permanent && ex.Status is 404 or 403)
            {
                unavailable.Remember(message.SellerId, orderId, ex.Error ?? ex.Status.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            return Classified(ex, $"GET /orders/{orderId}");
        }

        var owner = response.Order["seller"]?["id"]?.ToJsonString();
        if (owner is not null && owner != message.SellerId)
        {
            unavailable.Remember(message.SellerId, orderId, "not_owned_order");
            return WorkOutcome.Park($"order {orderId} belongs to seller {owner}, not {message.SellerId}", "not_owned_order");
        }

        // A read whose last change is well before the notification may be a stale replica: it vouches
        // only for what it shows (its last_updated), not for the time we fetched, and is checked again.
        var lastUpdated = OrderStore.ReadTime(response.Order, "last_updated");
        var looksStale = message.Sent is { } sent && lastUpdated is { } changed && changed < sent - CoalesceMargin;
        var vouchesUntil = looksStale && lastUpdated < fetchStartedAt ? lastUpdated!.Value : fetchStartedAt;

        var result = await store.UpsertIfNewerAsync(message.SellerId, response.Order, response.MissingBlocks, vouchesUntil, cancellationToken);
        metrics.OrderWrite(result.Outcome.ToString());
        logger.LogInformation("Order {OrderId} of seller {SellerId}: {Outcome} (status {Status}, last_updated {LastUpdated})",
            orderId, message.SellerId, result.Outcome, result.Stored.Status, result.Stored.LastUpdated);

        if (response.IsPartial)
        {
            await ScheduleAsync(message, PartialRefetchOrigin, options.Value.PartialRefetchDelay, cancellationToken);
            logger.LogInformation("Order {OrderId} came back partial (missing {Missing}); refetch scheduled", orderId, string.Join(",", response.MissingBlocks));
        }
        else if (looksStale && message.Origin != StaleRecheckOrigin)
        {
            await ScheduleAsync(message, StaleRecheckOrigin, options.Value.StaleRecheckDelay, cancellationToken);
            logger.LogInformation("Order {OrderId}: read last_updated {LastUpdated} is older than the notification ({Sent}); recheck scheduled",
                orderId, lastUpdated, message.Sent);
        }

        return await AfterWriteAsync(message, orderId, stored, result, cancellationToken);
    }

    /// <summary>
    /// Stores an order as a search page listed it, with no order GET, through the same write as a
    /// fetch (newer only, ETag, the observers, the shipment read once). A listing vouches only for
    /// what it shows: its <c>last_updated</c> is recorded as the fetch time, and MeLi's search leaves
    /// out the buyer's and seller's personal data, so <c>buyer</c> and <c>seller</c> are recorded as
    /// missing blocks (kept from a stored GET when there is one) and the next notification GETs.
    /// Null when the listing cannot stand for the order: the caller queues it for a GET.
    /// </summary>
    public async Task<WorkOutcome?> StoreListedAsync(string sellerId, JsonObject listed, string origin, CancellationToken cancellationToken)
    {
        if (ListedOrderToStore(sellerId, listed) is not { } order)
        {
            return null;
        }

        var orderId = order["id"]!.GetValue<long>();
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["SellerId"] = sellerId, ["OrderId"] = orderId });
        using var orderLock = await locks.AcquireAsync(sellerId, orderId, cancellationToken);
        var stored = await store.GetAsync(sellerId, orderId, cancellationToken);
        var lastUpdated = OrderStore.ReadTime(order, "last_updated")!.Value;
        var result = await store.UpsertIfNewerAsync(sellerId, order, ListedMissingBlocks, lastUpdated, cancellationToken);
        metrics.OrderWrite(result.Outcome.ToString());
        logger.LogInformation("Order {OrderId} of seller {SellerId} stored from a search page ({Origin}): {Outcome} (status {Status}, last_updated {LastUpdated})",
            orderId, sellerId, origin, result.Outcome, result.Stored.Status, result.Stored.LastUpdated);
        var message = new NotificationMessage
        {
            SellerId = sellerId,
            Resource = $"/orders/{orderId}",
            Topic = NotificationTopics.OrdersV2,
            Sent = lastUpdated,
            Received = time.GetUtcNow(),
            Origin = origin,
        };
        return await AfterWriteAsync(message, orderId, stored, result, cancellationToken);
    }

    /// <summary>What MeLi's search leaves out of an order (only <c>id</c> and <c>nickname</c> stay).</summary>
    private static readonly string[] ListedMissingBlocks = ["buyer", "seller"];

    /// <summary>
    /// The listing as an order to store, or null when it cannot stand for one: it must be the seller's,
    /// with an id, a status, its items, the shipping block and a last change time (<c>last_updated</c>,
    /// or <c>date_last_updated</c> as search results name it).
    /// </summary>
    internal static JsonObject? ListedOrderToStore(string sellerId, JsonObject listed)
    {
        if (listed["id"] is not JsonValue id || !id.TryGetValue<long>(out _) ||
            listed["status"] is not JsonValue || listed["order_items"] is not JsonArray { Count: > 0 } ||
            listed["shipping"] is not JsonObject || listed["date_created"] is not JsonValue ||
            listed["seller"]?["id"]?.ToJsonString() != sellerId)
        {
            return null;
        }

        var order = (JsonObject)listed.DeepClone();
        if (OrderStore.ReadTime(order, "last_updated") is null)
        {
            if (OrderStore.ReadTime(order, "date_last_updated") is null)
            {
                return null;
            }

            order["last_updated"] = order["date_last_updated"]!.DeepClone();
        }

        return order;
    }

    /// <summary>
    /// After a write: the follow-up (every observer) of a new version, or of a stored one whose
    /// follow-up never completed, with the shipment read once between the observers that must run
    /// before anything slow (the fraud hold) and the others, which get that read; and the shipment of
    /// a row that has none yet.
    /// </summary>
    private async Task<WorkOutcome> AfterWriteAsync(NotificationMessage message, long orderId, StoredOrder? stored, UpsertResult result, CancellationToken cancellationToken)
    {
        WorkOutcome? unfinished = null;
        WorkOutcome? shippingFailed = null;
        if (result.Outcome != UpsertOutcome.NotNewer)
        {
            unfinished = await FollowUpAsync(result.Stored, result.Previous, resumed: false, message.TraceParent, async change =>
            {
                try
                {
                    // Read once per change and handed to every observer; a read that began after this
                    // notification reached us (the previous version's, or a shipments notification's) shows its change.
                    var summary = await ReadShippingOnceAsync(message, result.Stored, stored, cancellationToken);
                    await store.SetShippingAsync(result.Stored, summary, cancellationToken);
                    return change with { Shipping = summary };
                }
                catch (MeliApiException ex)
                {
                    shippingFailed = Classified(ex, $"shipment of order {orderId}");
                    return change;
                }
            }, cancellationToken);
        }
        else
        {
            if (result.Stored.FollowUpPending)
            {
                unfinished = await FollowUpAsync(result.Stored, null, resumed: true, message.TraceParent, null, cancellationToken);
            }

            if (result.Stored.Shipping is null)
            {
                try
                {
                    var summary = await shipping.ReadAsync(message.SellerId, result.Stored.Order, cancellationToken);
                    await store.SetShippingAsync(result.Stored, summary, cancellationToken);
                }
                catch (MeliApiException ex)
                {
                    shippingFailed = Classified(ex, $"shipment of order {orderId}");
                }
            }
        }

        return unfinished ?? shippingFailed ?? WorkOutcome.Completed(result.Outcome.ToString());
    }

    /// <summary>
    /// The order's shipping for this change, under the shipment's lock: from a read that already shows
    /// the change (the stored one, or this process's last read of the shipment), else from one new read.
    /// </summary>
    private async Task<OrderShipping> ReadShippingOnceAsync(NotificationMessage message, StoredOrder written, StoredOrder? before, CancellationToken cancellationToken)
    {
        if (written.Order["shipping"]?["id"] is not JsonValue id || !id.TryGetValue<long>(out var shipmentId))
        {
            return await shipping.SummarizeAsync(message.SellerId, written.Order, known: null, cancellationToken);
        }

        using var shipmentLock = await locks.AcquireAsync(message.SellerId, -shipmentId, cancellationToken);
        var known = FreshShipment(before, message) ?? FreshFor(recentReads.Recall(message.SellerId, shipmentId), message);
        if (known is null)
        {
            try
            {
                known = await shipping.ReadShipmentAsync(message.SellerId, shipmentId, cancellationToken);
                recentReads.Remember(message.SellerId, known);
            }
            catch (MeliApiException ex) when (ex.Kind == MeliErrorKind.Permanent)
            {
                // Recorded as the shipment's error below.
            }
        }

        return await shipping.SummarizeAsync(message.SellerId, written.Order, known, cancellationToken);
    }

    /// <summary>
    /// A <c>shipments</c> notification: read the shipment once, record it on each stored order of it
    /// and wake what depends on it (stock, the fraud flow, feedback on delivery), with no order GET:
    /// the order's own notification brings an order change. A read that began after the notification
    /// was sent (the order sync's, or an earlier copy's) answers it with no GET.
    /// </summary>
    private async Task<WorkOutcome> SyncShipmentAsync(NotificationMessage message, CancellationToken cancellationToken)
    {
        if (NotificationTopics.ShipmentId(message.Resource) is not { } shipmentId)
        {
            return WorkOutcome.Park($"'{message.Resource}' is not a shipment resource", "invalid_resource");
        }

        var seller = await sellers.GetAsync(message.SellerId, cancellationToken);
        if (seller is not { IsConnected: true })
        {
            metrics.NotificationIgnored(message.Topic, seller is null ? "seller_not_connected" : "seller_disconnected");
            return WorkOutcome.Completed(seller is null ? "seller_not_connected" : "seller_disconnected");
        }

        // Copies of one shipment's notifications wait for each other (as an order's do), so a copy finds the
        // first one's read stored and costs no GET. Shipment ids are kept apart from order ids by their sign.
        using var shipmentLock = await locks.AcquireAsync(message.SellerId, -shipmentId, cancellationToken);

        // The stored orders of this shipment, found by key; none stored yet: their order notification brings them.
        var orderIds = await store.ListShipmentOrdersAsync(message.SellerId, shipmentId, cancellationToken);
        var storedOrders = new List<StoredOrder>();
        foreach (var id in orderIds)
        {
            if (await store.GetAsync(message.SellerId, id, cancellationToken) is { } one)
            {
                storedOrders.Add(one);
            }
        }

        if (storedOrders.Count == 0)
        {
            return WorkOutcome.Completed("no stored order ships in this shipment yet");
        }

        if (storedOrders.All(o => FreshShipment(o, message) is not null))
        {
            metrics.GetSaved();
            return WorkOutcome.Completed("coalesced");
        }

        var read = FreshFor(recentReads.Recall(message.SellerId, shipmentId), message);
        if (read is null)
        {
            try
            {
                read = await shipping.ReadShipmentAsync(message.SellerId, shipmentId, cancellationToken);
                recentReads.Remember(message.SellerId, read);
            }
            catch (MeliApiException ex)
            {
                return Classified(ex, $"GET /shipments/{shipmentId}");
            }
        }
        else
        {
            metrics.GetSaved();
        }

        var refreshed = 0;
        foreach (var orderId in storedOrders.Select(o => o.OrderId).Union(read.Shipment.OrderIds))
        {
            // No order lock here: the order sync takes the order's lock, then the shipment's (never the other way).
            // The shipment write is version-guarded and the observers are idempotent.
            var stored = await store.GetAsync(message.SellerId, orderId, cancellationToken);
            if (stored is null || (stored.Shipping is { HasFacts: true } known && known.ReadAt >= read.ReadAt))
            {
                continue;
            }

            OrderShipping summary;
            try
            {
                summary = await shipping.SummarizeAsync(message.SellerId, stored.Order, read, cancellationToken);
            }
            catch (MeliApiException ex)
            {
                return Classified(ex, $"shipment {shipmentId} of order {orderId}");
            }

            if (!await store.SetShippingAsync(stored, summary, cancellationToken))
            {
                // A newer version of the order was written meanwhile; it records its own shipment.
                continue;
            }

            refreshed++;
            if (Differs(stored.Shipping, summary))
            {
                var change = new OrderChange(message.SellerId, orderId, stored.Order, stored.Order, message.TraceParent) { Shipping = summary, ShipmentOnly = true };
                var failures = new List<string>();
                await NotifyAsync(change, readsShipment: false, failures, cancellationToken);
                await NotifyAsync(change, readsShipment: true, failures, cancellationToken);
                if (failures.Count > 0)
                {
                    // The stock effects' waiting restores are also decided again by the reconcile's heal.
                    return WorkOutcome.Retry($"shipment {shipmentId} of order {orderId}: {string.Join("; ", failures)}");
                }
            }
        }

        logger.LogInformation("Shipment {ShipmentId} of seller {SellerId} ({Status}/{Substatus}): {Refreshed} stored orders refreshed",
            shipmentId, message.SellerId, read.Shipment.Status, read.Shipment.Substatus, refreshed);
        return WorkOutcome.Completed($"shipment {read.Shipment.Status}: {refreshed} orders refreshed");
    }

    /// <summary>What the observers act on changed: status, substatus, logistic type, cost or the read error.</summary>
    private static bool Differs(OrderShipping? before, OrderShipping after) =>
        before is null || before.Status != after.Status || before.Substatus != after.Substatus ||
        before.LogisticType != after.LogisticType || before.Cost != after.Cost || before.Error != after.Error;

    /// <summary>The stored shipment, when its read began after this notification was sent: it shows the change.</summary>
    private static ShipmentRead? FreshShipment(StoredOrder? stored, NotificationMessage message) =>
        stored?.Shipping is { HasFacts: true } known ? FreshFor(OrderShippingReader.FromStored(known), message) : null;

    /// <summary>A read that began after the notification was sent (allowing for MeLi's clock) or reached us (allowing for another host's).</summary>
    private static ShipmentRead? FreshFor(ShipmentRead? read, NotificationMessage message)
    {
        if (read is null || message.Origin == StaleRecheckOrigin)
        {
            return null;
        }

        var fresh = (message.Sent is { } sent && sent < read.ReadAt - CoalesceMargin) ||
                    (message.Origin is null && message.Received < read.ReadAt - ReceiveMargin);
        return fresh ? read : null;
    }

    /// <summary>
    /// Runs every observer on the stored version, each even when another failed, and records the
    /// version's follow-up as complete only when all of them completed. Null when done; else a retry
    /// (the row keeps the follow-up pending, so the next message, the sweep or a restart finishes it).
    /// </summary>
    /// <remarks>
    /// The observers that must run before anything slow (<see cref="IOrderChangeObserver.ReadsShipment"/>
    /// false: the fraud hold) go first; then <paramref name="readShipment"/> (the shipment read once for
    /// this change), then the others with that read in <see cref="OrderChange.Shipping"/>.
    /// </remarks>
    private async Task<WorkOutcome?> FollowUpAsync(
        StoredOrder stored, JsonObject? previous, bool resumed, string? traceParent, Func<OrderChange, Task<OrderChange>>? readShipment, CancellationToken cancellationToken)
    {
        var change = new OrderChange(stored.SellerId, stored.OrderId, stored.Order, previous, traceParent) { Resumed = resumed, Shipping = stored.Shipping };
        var failures = new List<string>();
        await NotifyAsync(change, readsShipment: false, failures, cancellationToken);
        if (readShipment is not null)
        {
            change = await readShipment(change);
        }

        await NotifyAsync(change, readsShipment: true, failures, cancellationToken);
        return await CompleteFollowUpAsync(stored, resumed, failures, cancellationToken);
    }

    /// <summary>Calls the observers of one phase, each even when another failed; failures are collected.</summary>
    private async Task NotifyAsync(OrderChange change, bool readsShipment, List<string> failures, CancellationToken cancellationToken)
    {
        foreach (var observer in observers.Where(o => o.ReadsShipment == readsShipment))
        {
            try
            {
                await observer.OnOrderChangedAsync(change, cancellationToken);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                logger.LogWarning(ex, "Order {OrderId} of seller {SellerId}: {Observer} did not complete; the follow-up stays pending",
                    change.OrderId, change.SellerId, observer.GetType().Name);
                failures.Add($"{observer.GetType().Name}: {ex.Message}");
            }
        }
    }

    private async Task<WorkOutcome?> CompleteFollowUpAsync(StoredOrder stored, bool resumed, List<string> failures, CancellationToken cancellationToken)
    {
        if (failures.Count > 0)
        {
            return WorkOutcome.Retry($"follow-up of order {stored.OrderId} version {stored.Version} not finished: {string.Join("; ", failures)}");
        }

        await store.CompleteFollowUpAsync(stored, cancellationToken);
        if (resumed)
        {
            logger.LogInformation("Order {OrderId} of seller {SellerId}: the interrupted follow-up of version {Version} is finished", stored.OrderId, stored.SellerId, stored.Version);
        }

        return null;
    }

    /// <summary>Webhook messages and their own rechecks are live; what a sweep, a missed feed or a backfill queued can wait.</summary>
    internal static MeliPriority PriorityOf(string? origin) => origin switch
    {
        null or StaleRecheckOrigin or PartialRefetchOrigin => MeliPriority.Live,
        _ => MeliPriority.Background,
    };

    /// <summary>
    /// True when a fetch that began after this notification reached us (or after MeLi sent it,
    /// allowing for clock skew) is already stored, complete: it shows the change the notification is about.
    /// </summary>
    internal static bool Coalesces(StoredOrder? stored, NotificationMessage message)
    {
        if (stored is null || stored.MissingBlocks.Count > 0 || stored.Shipping is null || message.Origin == StaleRecheckOrigin)
        {
            return false;
        }

        if (message.Sent is { } sent && sent < stored.FetchedAt - CoalesceMargin)
        {
            return true;
        }

        return message.Origin is null && message.Received < stored.FetchedAt - ReceiveMargin;
    }

    private static WorkOutcome Classified(MeliApiException ex, string what) => ex.Kind switch
    {
        MeliErrorKind.Transient => WorkOutcome.Retry($"{what}: {ex.Message}"),
        MeliErrorKind.SellerDisconnected => WorkOutcome.Completed("seller_disconnected"),
        _ => WorkOutcome.Park($"{what}: {ex.Message}", ex.Error, ex.Body),
    };

    private async Task ScheduleAsync(NotificationMessage message, string origin, TimeSpan delay, CancellationToken cancellationToken)
    {
        var again = message with { Sent = null, Received = time.GetUtcNow(), Origin = origin };
        await storage.Queue(StorageNames.NotificationsQueue).SendMessageAsync(again.ToJson(), delay, cancellationToken: cancellationToken);
    }
}
