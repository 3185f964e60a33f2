using System.Globalization;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using MeliFunctions.Fraud;
using MeliFunctions.MercadoLibre;
using MeliFunctions.MercadoLibre.Budget;
using MeliFunctions.Orders;
using MeliFunctions.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MeliFunctions.Sweeps;

/// <summary>
/// The pending sweep for one seller, under the seller's <c>sweep</c> lease:
/// (a) orders MeLi still has as pending (<c>/orders/search/pending</c>, else <c>order.status</c> filters);
/// (b) orders changed since the last sweep (<c>order.date_last_updated.from</c> = last start less the
/// overlap, cut to the hour), paged to the end with a cursor saved after each page;
/// (d) stored orders in a non-final status not fetched for <see cref="SweepOptions.StuckAfter"/>,
/// among those sorted within <see cref="SweepOptions.StuckWindow"/> (a key range of <c>OrdersByDate</c>);
/// (e) stored orders whose follow-up (the observers) is still pending <see cref="SweepOptions.FollowUpAfter"/>
/// after their write; (f) fraud cases still <c>held</c> <see cref="SweepOptions.FollowUpAfter"/> after
/// they were opened, no step of their flow begun (the start message lost with a host that died holding
/// it). (a) and (b) bring up only what the store lacks or holds older, stored from the page where it
/// stands for the order (no GET), else queued; (d) queues a refetch; (e) queues a follow-up message,
/// which costs no GET; (f) starts (or wakes) the case's flow again, which costs no GET either.
/// </summary>
public sealed class PendingSweep(
    OrderPages pages,
    OrderSearchIndex index,
    OrderStore orderStore,
    SweepStateStore state,
    StorageClients storage,
    FraudCaseStore fraudCases,
    IFraudFlowStarter fraudStarter,
    IOptions<SweepOptions> options,
    TimeProvider time,
    ILogger<PendingSweep> logger)
{
    public const string Origin = "sweep";
    public const string StuckOrigin = "sweep_stuck";
    public const string FollowUpOrigin = Orders.OrderSync.FollowUpOrigin;

    public async Task<JsonObject> SweepSellerAsync(string sellerId, string runId, CancellationToken cancellationToken)
    {
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["SellerId"] = sellerId, ["RunId"] = runId });
        var report = new JsonObject { ["seller_id"] = sellerId };
        var row = await state.TryLeaseAsync(sellerId, SweepStateStore.SweepRow, runId, cancellationToken);
        if (row is null)
        {
            logger.LogInformation("Sweep of seller {SellerId} skipped: another run holds its lease", sellerId);
            report["status"] = "busy";
            return report;
        }

        var o = options.Value;
        // Live syncs and seller actions go first; the run's calls are counted in its scope.
        using var calls = MeliCallScope.Begin(MeliPriority.Background);
        var budget = new SweepCap(calls, o.MaxRequestsPerRun);
        try
        {
            var exhausted = await PendingAsync(sellerId, budget, report, cancellationToken)
                || await ChangedAsync(sellerId, row, budget, report, cancellationToken)
                || await StuckAsync(sellerId, budget, report, cancellationToken)
                || await FollowUpAsync(sellerId, budget, report, cancellationToken)
                || await FraudStartsAsync(sellerId, budget, report, cancellationToken);
            report["status"] = exhausted ? "budget_exhausted" : "swept";
            row["LastRunId"] = runId;
            row["LastRunAt"] = time.GetUtcNow();
            row["LastResult"] = report["status"]!.GetValue<string>();
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not SweepLeaseLostException)
        {
            logger.LogError(ex, "Sweep of seller {SellerId} failed; the next run resumes from the saved cursor", sellerId);
            report["status"] = "failed";
            report["error"] = ex.Message;
            row["LastResult"] = "failed";
        }
        finally
        {
            report["requests"] = budget.Spent;
            await state.ReleaseAsync(row, CancellationToken.None);
        }

        logger.LogInformation("Sweep of seller {SellerId}: {Status}, {Requests} requests", sellerId, report["status"]?.GetValue<string>(), budget.Spent);
        return report;
    }

    /// <summary>(a) Orders MeLi lists as pending: queue those the store is behind on. True when the budget ran out.</summary>
    private async Task<bool> PendingAsync(string sellerId, SweepCap budget, JsonObject report, CancellationToken cancellationToken)
    {
        var limit = options.Value.PageSize;
        var source = "pending";
        int listed = 0, queued = 0, page = 0, fromPage = 0;
        for (var offset = 0; ; page++)
        {
            if (budget.Exhausted)
            {
                Write(report, "pending", source, page, listed, queued, fromPage);
                return true;
            }

            OrderPage result;
            try
            {
                result = await pages.ReadAsync(PendingSearch(sellerId, source, offset, limit), cancellationToken);
            }
            catch (MeliApiException ex) when (source == "pending" && ex.Status is 400 or 404 or 405)
            {
                // /orders/search/pending is in the older docs only: ask for the same statuses with order.status.
                logger.LogInformation("Seller {SellerId}: /orders/search/pending answered {Status}; using order.status filters", sellerId, ex.Status);
                source = "status_filter";
                offset = 0;
                page = -1;
                continue;
            }

            var outcome = await pages.QueueBehindAsync(new SweepStep("pending", sellerId, page, offset, "", 0), result.Orders, Origin, budget, cancellationToken);
            listed += result.Orders.Count;
            queued += outcome.Queued;
            fromPage += outcome.StoredFromPage;
            offset += result.Count;
            if (outcome.BudgetExhausted || result.Count < limit || (result.Total is { } total && offset >= total))
            {
                Write(report, "pending", source, page + 1, listed, queued, fromPage);
                return outcome.BudgetExhausted;
            }
        }
    }

    /// <summary>(b) Orders changed since the last sweep, resuming a window a crash left half read. True when the budget ran out.</summary>
    private async Task<bool> ChangedAsync(string sellerId, TableEntity row, SweepCap budget, JsonObject report, CancellationToken cancellationToken)
    {
        var o = options.Value;
        var now = time.GetUtcNow();
        var resumed = row.GetDateTimeOffset("WindowFrom") is not null;
        if (!resumed)
        {
            row["WindowFrom"] = SweepRules.ChangedFrom(row.GetDateTimeOffset("Watermark"), o.Overlap, now, o.FirstWindow);
            row["WindowStartedAt"] = now;
            row["WindowOffset"] = 0;
            await state.CommitAsync(row, cancellationToken);
        }

        var from = row.GetDateTimeOffset("WindowFrom")!.Value;
        var offset = row.GetInt32("WindowOffset") ?? 0;
        var changed = new JsonObject
        {
            ["from"] = SweepRules.FilterDate(from),
            ["resumed_at_offset"] = resumed ? offset : null,
        };
        report["changed"] = changed;
        int listed = 0, queued = 0, pagesRead = 0, fromPage = 0;
        while (true)
        {
            if (budget.Exhausted)
            {
                break;
            }

            var search = new MeliOrderSearch(sellerId, offset, o.PageSize) { LastUpdatedFrom = from, Sort = "date_asc" };
            var result = await pages.ReadAsync(search, cancellationToken);
            var outcome = await pages.QueueBehindAsync(new SweepStep("changed", sellerId, pagesRead, offset, "", 0), result.Orders, Origin, budget, cancellationToken);
            listed += result.Orders.Count;
            queued += outcome.Queued;
            fromPage += outcome.StoredFromPage;
            if (outcome.BudgetExhausted)
            {
                // The page is not done: the cursor stays before it, the next run reads it again.
                break;
            }

            pagesRead++;
            offset += result.Count;
            row["WindowOffset"] = offset;
            if (result.Count < o.PageSize || (result.Total is { } total && offset >= total))
            {
                // The whole window is read. Orders can only enter a window with no upper bound (a
                // change moves last_updated forward), so offsets shift towards re-reads, never skips;
                // what changed during the walk is after the window's start, and the next window holds it.
                row["Watermark"] = row.GetDateTimeOffset("WindowStartedAt");
                row.Remove("WindowFrom");
                row.Remove("WindowStartedAt");
                row.Remove("WindowOffset");
                await state.CommitAsync(row, cancellationToken);
                changed["pages"] = pagesRead;
                changed["listed"] = listed;
                changed["queued"] = queued;
                changed["stored_from_page"] = fromPage;
                changed["completed"] = true;
                return false;
            }

            await state.CommitAsync(row, cancellationToken);
        }

        changed["pages"] = pagesRead;
        changed["listed"] = listed;
        changed["queued"] = queued;
        changed["stored_from_page"] = fromPage;
        changed["completed"] = false;
        return true;
    }

    /// <summary>(d) Stored orders in a non-final status not fetched for a while: fetch them again. True when the budget ran out.</summary>
    private async Task<bool> StuckAsync(string sellerId, SweepCap budget, JsonObject report, CancellationToken cancellationToken)
    {
        // Bounded by keys: the seller's OrdersByDate rows sorted within the stuck window (an order not
        // yet closed sorts by its creation), the status filtered by the table; then one point read each.
        var now = time.GetUtcNow();
        var before = now - options.Value.StuckAfter;
        var fromKey = OrderSearchIndex.KeyPrefix(now - options.Value.StuckWindow);
        var statuses = "(" + string.Join(" or ", SweepRules.NonFinalStatuses.Select(s => TableClient.CreateQueryFilter($"Status eq {s}"))) + ")";
        var orders = storage.Table(StorageNames.OrdersTable);
        var queued = 0;
        var candidates = 0;
        var exhausted = false;
        await foreach (var row in index.QueryAsync(sellerId, fromKey, null, statuses, cancellationToken))
        {
            candidates++;
            var stored = await orders.GetEntityIfExistsAsync<TableEntity>(sellerId, OrderStore.Key(row.OrderId), select: ["FetchedAt", "Status"], cancellationToken: cancellationToken);
            if (!stored.HasValue || stored.Value!.GetDateTimeOffset("FetchedAt") is not { } fetchedAt || fetchedAt >= before ||
                !SweepRules.NonFinalStatuses.Contains(stored.Value.GetString("Status")))
            {
                continue;
            }

            if (!budget.TryQueue())
            {
                exhausted = true;
                break;
            }

            // No Sent: the message is never answered by an earlier fetch, it always GETs.
            await pages.QueueAsync(sellerId, row.OrderId, StuckOrigin, sent: null, cancellationToken);
            logger.LogInformation("Order {OrderId} of seller {SellerId} is stuck in a non-final status; refetch queued", row.OrderId, sellerId);
            queued++;
        }

        report["stuck"] = new JsonObject { ["from"] = SweepRules.FilterDate(now - options.Value.StuckWindow), ["candidates"] = candidates, ["queued"] = queued };
        return exhausted;
    }

    /// <summary>(e) Stored orders whose follow-up never completed (its messages ran out of attempts): finish it. True when the budget ran out.</summary>
    private async Task<bool> FollowUpAsync(string sellerId, SweepCap budget, JsonObject report, CancellationToken cancellationToken)
    {
        // Bounded by keys: the seller's follow-up marks (one per version whose follow-up is not done), a point read each.
        var before = time.GetUtcNow() - options.Value.FollowUpAfter;
        var queued = 0;
        var exhausted = false;
        foreach (var (orderId, syncedAt, _, markETag) in await orderStore.ListFollowUpMarksAsync(sellerId, cancellationToken))
        {
            if (syncedAt is { } at && at > before)
            {
                continue;
            }

            var row = await storage.Table(StorageNames.OrdersTable).GetEntityIfExistsAsync<TableEntity>(sellerId, OrderStore.Key(orderId), select: ["FollowUpPending"], cancellationToken: cancellationToken);
            if (!row.HasValue || row.Value!.GetBoolean("FollowUpPending") != true)
            {
                await orderStore.UnmarkFollowUpAsync(sellerId, orderId, markETag, cancellationToken);
                continue;
            }

            if (!budget.TryQueue())
            {
                exhausted = true;
                break;
            }

            await pages.QueueAsync(sellerId, orderId, FollowUpOrigin, sent: null, cancellationToken);
            logger.LogInformation("Order {OrderId} of seller {SellerId}: its follow-up is still pending; queued to finish it", orderId, sellerId);
            queued++;
        }

        report["follow_up"] = new JsonObject { ["queued"] = queued };
        return exhausted;
    }

    /// <summary>
    /// (f) The seller's fraud cases still <c>held</c> well after they were opened: the order sync stored
    /// the hold and sent the flow its start, but no step began (the message went with a host that died
    /// holding it: the App's queue trigger hides it for 10 minutes). The flow is started again; a flow
    /// that is live only gets a spare wake. True when the budget ran out.
    /// </summary>
    private async Task<bool> FraudStartsAsync(string sellerId, SweepCap budget, JsonObject report, CancellationToken cancellationToken)
    {
        var started = 0;
        var exhausted = false;
        foreach (var held in await fraudCases.ListHeldSinceAsync(sellerId, time.GetUtcNow() - options.Value.FollowUpAfter, cancellationToken))
        {
            if (!budget.TryQueue())
            {
                exhausted = true;
                break;
            }

            await fraudStarter.StartOrWakeAsync(sellerId, held.OrderId, cancellationToken);
            logger.LogWarning("Fraud case of order {OrderId} of seller {SellerId} is still held with no step begun; its flow is started again", held.OrderId, sellerId);
            started++;
        }

        report["fraud_starts"] = new JsonObject { ["started"] = started };
        return exhausted;
    }

    private static MeliOrderSearch PendingSearch(string sellerId, string source, int offset, int limit) => source == "pending"
        ? new MeliOrderSearch(sellerId, offset, limit) { Pending = true }
        : new MeliOrderSearch(sellerId, offset, limit) { Statuses = SweepRules.PendingStatuses };

    private static void Write(JsonObject report, string name, string source, int pagesRead, int listed, int queued, int fromPage) =>
        report[name] = new JsonObject { ["source"] = source, ["pages"] = pagesRead, ["listed"] = listed, ["queued"] = queued, ["stored_from_page"] = fromPage };
}
