using System.Text.Json.Nodes;
using Azure.Data.Tables;
using MeliFunctions.MercadoLibre;
using MeliFunctions.Notifications;
using MeliFunctions.Orders;
using MeliFunctions.Queueing;
using MeliFunctions.Storage;
using Microsoft.Extensions.Logging;

namespace MeliFunctions.Sweeps;

/// <summary>One page of an order search: what it listed and MeLi's <c>paging.total</c>.</summary>
public sealed record OrderPage(IReadOnlyList<ListedOrder> Orders, int Count, int? Total);

/// <summary>
/// How a page was handled: the orders the store was behind on and brought up to date (<see cref="Queued"/>:
/// stored from the page, or queued for the order sync when the page could not stand for the order),
/// how many of them were stored from the page, and whether the run's cap ran out before the page was done.
/// </summary>
public sealed record PageOutcome(int Queued, bool BudgetExhausted, int StoredFromPage = 0);

/// <summary>
/// What the sweeps and the backfill share: read a page of <c>/orders/search</c>, compare it with
/// the stored rows (one range query, no GET per order), and bring up to date what the store lacks or
/// holds older. The page already says what the order is: it is stored through the order sync's own
/// write (<see cref="OrderSync.StoreListedAsync"/>: newer only, ETag, the observers, the shipment read
/// once), in the run's flow at background priority, with no order GET. Only an order the page cannot
/// stand for is queued on <c>meli-notifications</c> for the order sync to GET.
/// </summary>
public sealed class OrderPages(MeliApiClient meli, OrderSync orderSync, StorageClients storage, ISweepHooks hooks, TimeProvider time, ILogger<OrderPages> logger)
{
    public async Task<OrderPage> ReadAsync(MeliOrderSearch search, CancellationToken cancellationToken)
    {
        var page = await meli.SearchOrdersAsync(search, cancellationToken);
        var listed = page.Results.Select(ListedOrder.From).OfType<ListedOrder>().ToList();
        return new OrderPage(listed, page.Results.Count, page.Total);
    }

    /// <summary>
    /// Queues the page's orders the store is behind on; <paramref name="step"/> names the page for the hooks.
    /// With <paramref name="createdBefore"/>, orders created at or after it are left to their notifications.
    /// </summary>
    public async Task<PageOutcome> QueueBehindAsync(
        SweepStep step, IReadOnlyList<ListedOrder> listed, string origin, SweepCap budget, CancellationToken cancellationToken, DateTimeOffset? createdBefore = null)
    {
        await hooks.OnStepAsync(step with { Point = "page_read", QueuedInPage = 0 }, cancellationToken);
        var stamps = await StampsAsync(step.SellerId, listed.Select(o => o.OrderId), cancellationToken);
        var queued = 0;
        var fromPage = 0;
        foreach (var order in listed)
        {
            if (createdBefore is { } before && order.DateCreated >= before)
            {
                continue;
            }

            if (!SweepRules.StoreIsBehind(stamps.GetValueOrDefault(order.OrderId), order))
            {
                continue;
            }

            if (budget.Exhausted)
            {
                return new PageOutcome(queued, BudgetExhausted: true, fromPage);
            }

            var stored = order.Listing is { } listing ? await orderSync.StoreListedAsync(step.SellerId, listing, origin, cancellationToken) : null;
            if (stored is { Result: WorkResult.Completed, Reason: nameof(Orders.UpsertOutcome.NotNewer) })
            {
                // Another run (a sweep and a backfill at once) or a notification stored it meanwhile.
                continue;
            }

            if (stored is { Result: WorkResult.Completed })
            {
                fromPage++;
                logger.LogDebug("Order {OrderId} of seller {SellerId} stored from the {Kind} page", order.OrderId, step.SellerId, step.Kind);
            }
            else
            {
                if (!budget.TryQueue())
                {
                    return new PageOutcome(queued, BudgetExhausted: true, fromPage);
                }

                // Sent = MeLi's last_updated: a fetch that began after it already shows this change, so a
                // copy of this message (a page handled again after a crash) is answered without a GET.
                await QueueAsync(step.SellerId, order.OrderId, origin, order.LastUpdated, cancellationToken);
                logger.LogDebug("Order {OrderId} of seller {SellerId} queued by the {Kind} sweep ({Why})", order.OrderId, step.SellerId, step.Kind, stored?.Reason ?? "the page cannot stand for it");
            }

            queued++;
            await hooks.OnStepAsync(step with { Point = "order_queued", QueuedInPage = queued }, cancellationToken);
        }

        await hooks.OnStepAsync(step with { Point = "page_done", QueuedInPage = queued }, cancellationToken);
        return new PageOutcome(queued, BudgetExhausted: false, fromPage);
    }

    /// <summary>Puts an order on the order sync's queue, as a notification with <paramref name="origin"/>.</summary>
    public async Task QueueAsync(string sellerId, long orderId, string origin, DateTimeOffset? sent, CancellationToken cancellationToken)
    {
        var message = new NotificationMessage
        {
            SellerId = sellerId,
            Resource = $"/orders/{orderId}",
            Topic = NotificationTopics.OrdersV2,
            Sent = sent,
            Received = time.GetUtcNow(),
            Origin = origin,
        };
        await storage.Queue(StorageNames.NotificationsQueue).SendMessageAsync(message.ToJson(), cancellationToken);
    }

    /// <summary>The stored <c>LastUpdated</c> and <c>Status</c> of these orders, read with one range query over the seller's partition.</summary>
    private async Task<Dictionary<long, StoredStamp>> StampsAsync(string sellerId, IEnumerable<long> orderIds, CancellationToken cancellationToken)
    {
        var ids = orderIds.ToHashSet();
        var stamps = new Dictionary<long, StoredStamp>();
        if (ids.Count == 0)
        {
            return stamps;
        }

        var (low, high) = SweepRules.KeyRange(ids);
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {sellerId} and RowKey ge {low} and RowKey le {high}");
        var orders = storage.Table(StorageNames.OrdersTable);
        await foreach (var e in orders.QueryAsync<TableEntity>(filter, select: ["RowKey", "LastUpdated", "Status"], cancellationToken: cancellationToken))
        {
            if (long.TryParse(e.RowKey, System.Globalization.CultureInfo.InvariantCulture, out var id) && ids.Contains(id))
            {
                stamps[id] = new StoredStamp(e.GetDateTimeOffset("LastUpdated"), e.GetString("Status"));
            }
        }

        return stamps;
    }
}
