using MeliFunctions.Hosting;
using MeliFunctions.MercadoLibre;
using MeliFunctions.MercadoLibre.OAuth;
using MeliFunctions.Notifications;
using MeliFunctions.Queueing;
using MeliFunctions.Storage;
using Microsoft.Extensions.Logging;

namespace MeliFunctions.Orders;

/// <summary>
/// The order sync: a notification is a hint, so fetch the order from Mercado Libre and store it
/// if it is newer than what we have; then hand the change to what acts on it.
/// </summary>
public sealed class OrderSync(
    SellerAccounts sellers,
    OrderStore store,
    MeliApiClient meli,
    StorageClients storage,
    IEnumerable<IOrderChangeObserver> observers,
    MeliMetrics metrics,
    TimeProvider time,
    ILogger<OrderSync> logger)
{
    /// <summary>Clock difference we allow between Mercado Libre's <c>sent</c> and our fetch time.</summary>
    public static readonly TimeSpan CoalesceMargin = TimeSpan.FromSeconds(2);

    /// <summary>When a 206 left blocks out, the order is fetched again after this long.</summary>
    public static readonly TimeSpan PartialRefetchDelay = TimeSpan.FromSeconds(30);

    public async Task<WorkOutcome> SyncAsync(NotificationMessage message, CancellationToken cancellationToken)
    {
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
            var reason = seller is null ? "seller_not_connected" : "seller_disconnected";
            metrics.NotificationIgnored(message.Topic, reason);
            logger.LogInformation("Notification for order {OrderId} ignored: seller {SellerId} is {Reason}", orderId, message.SellerId, reason);
            return WorkOutcome.Completed(reason);
        }

        var stored = await store.GetAsync(message.SellerId, orderId, cancellationToken);
        if (stored is not null && message.Sent is { } sent && sent < stored.FetchedAt - CoalesceMargin)
        {
            metrics.GetSaved();
            logger.LogDebug("Order {OrderId}: fetched at {FetchedAt}, after this notification was sent ({Sent}); no new GET", orderId, stored.FetchedAt, sent);
            return WorkOutcome.Completed("coalesced");
        }

        var fetchStartedAt = time.GetUtcNow();
        MeliOrderResponse response;
        try
        {
            response = await meli.GetOrderAsync(message.SellerId, orderId, cancellationToken);
        }
        catch (MeliApiException ex)
        {
            return ex.Kind switch
            {
                MeliErrorKind.Transient => WorkOutcome.Retry($"GET /orders/{orderId}: {ex.Message}"),
                MeliErrorKind.SellerDisconnected => WorkOutcome.Completed("seller_disconnected"),
                _ => WorkOutcome.Park($"GET /orders/{orderId}: {ex.Message}", ex.Error, ex.Body),
            };
        }

        var owner = response.Order["seller"]?["id"]?.ToJsonString();
        if (owner is not null && owner != message.SellerId)
        {
            return WorkOutcome.Park($"order {orderId} belongs to seller {owner}, not {message.SellerId}", "not_owned_order");
        }

        var result = await store.UpsertIfNewerAsync(message.SellerId, response.Order, response.MissingBlocks, fetchStartedAt, cancellationToken);
        metrics.OrderWrite(result.Outcome.ToString());
        logger.LogInformation("Order {OrderId} of seller {SellerId}: {Outcome} (status {Status}, last_updated {LastUpdated})",
            orderId, message.SellerId, result.Outcome, result.Stored.Status, result.Stored.LastUpdated);

        if (response.IsPartial)
        {
            var refetch = message with { Sent = null, Received = time.GetUtcNow(), Origin = "refetch_partial" };
            await storage.Queue(StorageNames.NotificationsQueue).SendMessageAsync(refetch.ToJson(), PartialRefetchDelay, cancellationToken: cancellationToken);
            logger.LogInformation("Order {OrderId} came back partial (missing {Missing}); refetch scheduled", orderId, string.Join(",", response.MissingBlocks));
        }

        if (result.Outcome != UpsertOutcome.NotNewer)
        {
            var change = new OrderChange(message.SellerId, orderId, result.Stored.Order, result.Previous, message.TraceParent);
            foreach (var observer in observers)
            {
                await observer.OnOrderChangedAsync(change, cancellationToken);
            }
        }

        return WorkOutcome.Completed(result.Outcome.ToString());
    }
}
