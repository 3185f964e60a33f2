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
/// The order sync: a notification is a hint, so fetch the order from Mercado Libre and store it
/// if it is newer than what we have; then hand the change to what acts on it, and record what its
/// shipment says (status, cost, total with shipping).
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

        if (!NotificationTopics.IsOrderTopic(message.Topic))
        {
            // shipments and items are routed by the stock and shipment handlers as they land.
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
                ? await FollowUpAsync(stored, null, resumed: true, message.TraceParent, cancellationToken) ?? WorkOutcome.Completed("follow-up finished")
                : WorkOutcome.Completed("follow-up already done");
        }

        if (Coalesces(stored, message))
        {
            metrics.GetSaved();
            logger.LogDebug("Order {OrderId}: fetched at {FetchedAt}, after this notification was sent ({Sent}) and received ({Received}); no new GET",
                orderId, stored!.FetchedAt, message.Sent, message.Received);
            return stored.FollowUpPending
                ? await FollowUpAsync(stored, null, resumed: true, message.TraceParent, cancellationToken) ?? WorkOutcome.Completed("coalesced; follow-up finished")
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

        // The follow-up of a new version, or of a stored one whose follow-up never completed.
        WorkOutcome? unfinished = null;
        if (result.Outcome != UpsertOutcome.NotNewer)
        {
            unfinished = await FollowUpAsync(result.Stored, result.Previous, resumed: false, message.TraceParent, cancellationToken);
        }
        else if (result.Stored.FollowUpPending)
        {
            unfinished = await FollowUpAsync(result.Stored, null, resumed: true, message.TraceParent, cancellationToken);
        }

        if (result.Outcome != UpsertOutcome.NotNewer || result.Stored.Shipping is null)
        {
            try
            {
                var summary = await shipping.ReadAsync(message.SellerId, result.Stored.Order, cancellationToken);
                await store.SetShippingAsync(result.Stored, summary, cancellationToken);
            }
            catch (MeliApiException ex)
            {
                return unfinished ?? Classified(ex, $"shipment of order {orderId}");
            }
        }

        return unfinished ?? WorkOutcome.Completed(result.Outcome.ToString());
    }

    /// <summary>
    /// Runs every observer on the stored version, each even when another failed, and records the
    /// version's follow-up as complete only when all of them completed. Null when done; else a retry
    /// (the row keeps the follow-up pending, so the next message, the sweep or a restart finishes it).
    /// </summary>
    private async Task<WorkOutcome?> FollowUpAsync(StoredOrder stored, System.Text.Json.Nodes.JsonObject? previous, bool resumed, string? traceParent, CancellationToken cancellationToken)
    {
        var change = new OrderChange(stored.SellerId, stored.OrderId, stored.Order, previous, traceParent) { Resumed = resumed };
        var failures = new List<string>();
        foreach (var observer in observers)
        {
            try
            {
                await observer.OnOrderChangedAsync(change, cancellationToken);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                logger.LogWarning(ex, "Order {OrderId} of seller {SellerId}: {Observer} did not complete for version {Version}; the follow-up stays pending",
                    stored.OrderId, stored.SellerId, observer.GetType().Name, stored.Version);
                failures.Add($"{observer.GetType().Name}: {ex.Message}");
            }
        }

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
    private static bool Coalesces(StoredOrder? stored, NotificationMessage message)
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
