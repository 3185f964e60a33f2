using MeliFunctions.Hosting;
using MeliFunctions.MercadoLibre;
using MeliFunctions.MercadoLibre.OAuth;
using MeliFunctions.Notifications;
using MeliFunctions.Queueing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MeliFunctions.Stock;

/// <summary>Acts on an <c>items</c> notification (the order sync routes that topic here).</summary>
public interface IItemChangeHandler
{
    Task<WorkOutcome> HandleAsync(NotificationMessage message, CancellationToken cancellationToken);
}

/// <summary>An <c>items</c> notification reconciles that one listing (lowering only: see <see cref="StockReconciler.ReconcileItemAsync"/>).</summary>
public sealed class StockItemChangeHandler(
    SellerAccounts sellers,
    StockReconciler reconciler,
    RecentStockPushes recentPushes,
    MeliMetrics metrics,
    IOptions<StockOptions> options,
    ILogger<StockItemChangeHandler> logger) : IItemChangeHandler
{
    public async Task<WorkOutcome> HandleAsync(NotificationMessage message, CancellationToken cancellationToken)
    {
        var itemId = message.Resource.StartsWith("/items/", StringComparison.Ordinal) ? message.Resource["/items/".Length..] : null;
        if (!StockLedger.IsItemId(itemId))
        {
            return WorkOutcome.Park($"'{message.Resource}' is not an item resource", "invalid_resource");
        }

        if (!options.Value.ReconcileOnItemNotifications)
        {
            return WorkOutcome.Completed("item reconcile off");
        }

        if (recentPushes.IsEcho(message, itemId!))
        {
            metrics.NotificationIgnored(message.Topic, "own_push_echo");
            logger.LogDebug("Listing {ItemId} of seller {SellerId}: the notification is the echo of our own PUT; no GET", itemId, message.SellerId);
            return WorkOutcome.Completed("own_push_echo");
        }

        if (await sellers.GetAsync(message.SellerId, cancellationToken) is not { IsConnected: true })
        {
            return WorkOutcome.Completed("seller_not_connected");
        }

        try
        {
            var report = await reconciler.ReconcileItemAsync(message.SellerId, itemId!, cancellationToken);
            return WorkOutcome.Completed(report is null ? "untracked listing" : $"item reconciled: {report.Count(ReconcileOutcomes.Pushed)} pushed");
        }
        catch (MeliApiException ex) when (ex.Kind == MeliErrorKind.Transient)
        {
            return WorkOutcome.Retry($"GET /items/{itemId}: {ex.Message}");
        }
        catch (MeliApiException ex) when (ex.Kind == MeliErrorKind.SellerDisconnected)
        {
            return WorkOutcome.Completed("seller_disconnected");
        }
        catch (MeliApiException ex)
        {
            // A listing we cannot read (deleted, another seller's) is not worth a poison message: the full run reports it.
            logger.LogWarning("Listing {ItemId} of seller {SellerId} not reconciled after its notification: {Status} {Error}", itemId, message.SellerId, ex.Status, ex.Error);
            return WorkOutcome.Completed($"item unreadable: {ex.Error}");
        }
    }
}
