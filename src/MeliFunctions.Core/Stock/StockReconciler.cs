using MeliFunctions.MercadoLibre;
using MeliFunctions.MercadoLibre.Budget;
using MeliFunctions.MercadoLibre.OAuth;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MeliFunctions.Stock;

/// <summary>
/// Brings Mercado Libre's <c>available_quantity</c> to the seller's ledger: per seller, read the
/// listings with the multiget (<c>GET /items?ids=</c>, 20 a call), compare, and <c>PUT /items/{id}</c>
/// what differs (a listing with variations in one PUT that names every variation), at background
/// priority within the seller's request budget (<see cref="MeliRequestBudget"/>) and a cap of calls per run.
/// Closed and under-review listings are skipped with the reason; a dry run only reports; every run
/// leaves a report.
/// </summary>
public sealed class StockReconciler(
    StockLedger ledger,
    OrderStockEffects effects,
    StockEffectStore effectStore,
    Orders.OrderStore orderStore,
    MeliApiClient meli,
    SellerAccounts sellers,
    ReconcileReportStore reports,
    RecentStockPushes recentPushes,
    IOptions<StockOptions> options,
    TimeProvider time,
    ILogger<StockReconciler> logger)
{
    /// <summary>Test seam: runs after Mercado Libre's figures were read and compared, right before a listing is checked and pushed.</summary>
    internal Func<string, string, CancellationToken, Task>? BeforePush { get; set; }

    /// <summary>Every connected seller (or just <paramref name="sellerId"/>), one after the other.</summary>
    public async Task<IReadOnlyList<ReconcileReport>> RunAsync(string? sellerId, bool dryRun, CancellationToken cancellationToken)
    {
        var done = new List<ReconcileReport>();
        await foreach (var seller in sellers.ListAsync(cancellationToken))
        {
            if (!seller.IsConnected || (sellerId is not null && seller.SellerId != sellerId))
            {
                continue;
            }

            done.Add(await ReconcileSellerAsync(seller.SellerId, dryRun, cancellationToken));
        }

        return done;
    }

    public async Task<ReconcileReport> ReconcileSellerAsync(string sellerId, bool dryRun, CancellationToken cancellationToken)
    {
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["SellerId"] = sellerId });
        // Live syncs and seller actions go first; every call of the run (the heal's too) is counted here.
        using var calls = MeliCallScope.Begin(MeliPriority.Background);
        var report = new ReconcileReport { SellerId = sellerId, Mode = "full", DryRun = dryRun, StartedAt = time.GetUtcNow() };
        if (!dryRun)
        {
            // Finish what a crash or a failed read left before comparing: the ledger must be right first.
            report.HealedEffects = await effects.HealAsync(sellerId, cancellationToken);
        }

        var byItem = (await ledger.ListAsync(sellerId, cancellationToken)).GroupBy(r => r.ItemId).ToDictionary(g => g.Key, g => g.ToList());
        report.Listings = byItem.Count;
        report.Rows = byItem.Values.Sum(r => r.Count);
        var budget = options.Value.RequestBudgetPerRun;
        foreach (var chunk in byItem.Keys.Order(StringComparer.Ordinal).Chunk(options.Value.MultigetSize))
        {
            report.MeliCalls = calls.Calls;
            if (report.MeliCalls >= budget)
            {
                Defer(report, chunk.SelectMany(id => byItem[id]), "request_budget: the next run goes on from here");
                continue;
            }

            IReadOnlyList<MeliMultigetEntry> answers;
            try
            {
                answers = await meli.GetItemsAsync(sellerId, chunk, cancellationToken);
            }
            catch (MeliApiException ex)
            {
                Fail(report, chunk.SelectMany(id => byItem[id]), null, $"multiget: {ex.Error} ({ex.Status})");
                continue;
            }

            var bodies = answers.Where(a => a.ItemId is not null).GroupBy(a => a.ItemId!).ToDictionary(g => g.Key, g => g.First());
            foreach (var itemId in chunk)
            {
                if (!bodies.TryGetValue(itemId, out var answer) || answer.Item is null)
                {
                    Fail(report, byItem[itemId], null, $"not_found: Mercado Libre answered {(answer is null ? "nothing" : answer.Code.ToString(System.Globalization.CultureInfo.InvariantCulture))} for {itemId}");
                    continue;
                }

                var push = Compare(report, itemId, byItem[itemId], answer.Item, raiseAllowed: true);
                if (push is null)
                {
                    continue;
                }

                if (dryRun)
                {
                    report.Entries.AddRange(push.Rows.Select(r => r with { Outcome = ReconcileOutcomes.Differed }));
                }
                else if (calls.Calls >= budget)
                {
                    Defer(report, push.Rows, "request_budget: the next run pushes it");
                }
                else
                {
                    await PushAsync(report, sellerId, itemId, byItem[itemId], push, cancellationToken);
                }
            }
        }

        report.MeliCalls = calls.Calls;
        report.FinishedAt = time.GetUtcNow();
        await reports.SaveAsync(report, cancellationToken);
        logger.LogInformation(
            "Stock reconcile of seller {SellerId}{DryRun}: {Listings} listings, {InSync} rows in sync, {Pushed} pushed, {Failed} failed, {Skipped} skipped, {Deferred} deferred, {Calls} MeLi calls",
            sellerId, dryRun ? " (dry run)" : "", report.Listings, report.InSync, report.Count(ReconcileOutcomes.Pushed), report.Count(ReconcileOutcomes.Failed),
            report.Count(ReconcileOutcomes.Skipped), report.Count(ReconcileOutcomes.Deferred), report.MeliCalls);
        return report;
    }

    /// <summary>
    /// After an <c>items</c> notification: reconcile that listing now, but only lower Mercado Libre's
    /// figure. A figure below the ledger is most often a sale whose order has not reached the ledger yet,
    /// so raising it waits for the full run (never oversell on a race).
    /// </summary>
    public async Task<ReconcileReport?> ReconcileItemAsync(string sellerId, string itemId, CancellationToken cancellationToken)
    {
        var rows = (await ledger.GetItemAsync(sellerId, itemId, cancellationToken)).ToList();
        if (rows.Count == 0)
        {
            return null;
        }

        var report = new ReconcileReport { SellerId = sellerId, Mode = "item", DryRun = false, StartedAt = time.GetUtcNow(), Listings = 1, Rows = rows.Count };
        report.MeliCalls++;
        var item = await meli.GetItemAsync(sellerId, itemId, cancellationToken);
        if (Compare(report, itemId, rows, item, raiseAllowed: false) is { } push)
        {
            report.MeliCalls++;
            await PushAsync(report, sellerId, itemId, rows, push, cancellationToken);
        }

        report.FinishedAt = time.GetUtcNow();
        logger.LogInformation("Listing {ItemId} of seller {SellerId} checked after an items notification: {Pushed} pushed, {Deferred} deferred",
            itemId, sellerId, report.Count(ReconcileOutcomes.Pushed), report.Count(ReconcileOutcomes.Deferred));
        return report;
    }

    /// <summary>
    /// Compares one listing (no I/O); null when nothing is to be pushed. Records in-sync, skipped,
    /// failed and (when <paramref name="raiseAllowed"/> is false) deferred rows in <paramref name="report"/>.
    /// </summary>
    internal static Push? Compare(ReconcileReport report, string itemId, List<LedgerRow> rows, MeliItem item, bool raiseAllowed)
    {
        var status = item.Status;
        if (status is "closed" or "under_review" || item.SubStatus.Contains("under_review"))
        {
            report.Entries.Add(new ReconcileEntry(itemId, null, ReconcileOutcomes.Skipped, null, null,
                $"listing_{(status == "closed" ? "closed" : "under_review")}: Mercado Libre refuses stock updates"));
            return null;
        }

        var variations = item.Variations;
        var differing = new List<ReconcileEntry>();
        foreach (var row in rows)
        {
            int? meliQuantity;
            if (row.VariationId is null)
            {
                meliQuantity = variations.Count > 0 ? null : item.AvailableQuantity;
                if (meliQuantity is null)
                {
                    report.Entries.Add(new ReconcileEntry(itemId, null, ReconcileOutcomes.Failed, row.Available, null,
                        "listing_has_variations: set the stock per variation"));
                    continue;
                }
            }
            else
            {
                meliQuantity = variations.FirstOrDefault(v => v.Id == row.VariationId)?.AvailableQuantity;
                if (meliQuantity is null)
                {
                    report.Entries.Add(new ReconcileEntry(itemId, row.VariationId, ReconcileOutcomes.Failed, row.Available, null,
                        "variation_not_found: the listing has no such variation"));
                    continue;
                }
            }

            if (meliQuantity == row.Available)
            {
                report.InSync++;
            }
            else if (!raiseAllowed && row.Available > meliQuantity)
            {
                report.Entries.Add(new ReconcileEntry(itemId, row.VariationId, ReconcileOutcomes.Deferred, row.Available, meliQuantity,
                    "raise_waits_for_full_run: a sale may not have reached the ledger yet"));
            }
            else
            {
                differing.Add(new ReconcileEntry(itemId, row.VariationId, ReconcileOutcomes.Pushed, row.Available, meliQuantity, null));
            }
        }

        if (differing.Count == 0)
        {
            return null;
        }

        // Every variation is named: Mercado Libre drops the variations a PUT leaves out.
        var update = variations.Count == 0
            ? new MeliStockUpdate(differing[0].Ledger, null)
            : new MeliStockUpdate(null, variations.Select(v => new MeliItemVariation(v.Id, differing.FirstOrDefault(d => d.VariationId == v.Id)?.Ledger)).ToList());
        return new Push(update, differing);
    }

    /// <summary>
    /// Pushes the listing's figures, unless the ledger moved since they were read: right before the
    /// PUT the rows are read again, and a row that changed (its ETag), an effect recorded on one of
    /// them and not yet applied, or a stored order of the listing whose follow-up (its stock effect)
    /// has not run yet defers the listing to the next run.
    /// </summary>
    private async Task PushAsync(ReconcileReport report, string sellerId, string itemId, List<LedgerRow> read, Push push, CancellationToken cancellationToken)
    {
        if (BeforePush is { } hook)
        {
            await hook(sellerId, itemId, cancellationToken);
        }

        if (await StaleAsync(sellerId, itemId, read, cancellationToken) is { } stale)
        {
            logger.LogInformation("Listing {ItemId} of seller {SellerId} not pushed: {Reason}", itemId, sellerId, stale);
            Defer(report, push.Rows, stale);
            return;
        }

        try
        {
            var began = time.GetUtcNow();
            await meli.UpdateItemStockAsync(sellerId, itemId, push.Update, cancellationToken);
            recentPushes.Remember(sellerId, itemId, began, time.GetUtcNow());
            report.Entries.AddRange(push.Rows);
        }
        catch (MeliApiException ex)
        {
            logger.LogWarning("PUT /items/{ItemId} for seller {SellerId} failed: {Status} {Error}", itemId, sellerId, ex.Status, ex.Error);
            Fail(report, push.Rows.Select(r => r), $"{ex.Error} ({ex.Status}): {ex.Message}");
        }
    }

    /// <summary>Why the figures read for <paramref name="itemId"/> may be older than the ledger now; null when they are current.</summary>
    private async Task<string?> StaleAsync(string sellerId, string itemId, List<LedgerRow> read, CancellationToken cancellationToken)
    {
        var now = await ledger.GetItemAsync(sellerId, itemId, cancellationToken);
        var before = read.ToDictionary(r => r.Key, r => r.ETag);
        if (now.Count != read.Count || now.Any(r => !before.TryGetValue(r.Key, out var etag) || etag != r.ETag))
        {
            return "changed_during_run: the ledger changed after this run read it; the next run pushes the new figure";
        }

        var keys = before.Keys.ToHashSet();
        if ((await effectStore.ListOpenAsync(sellerId, cancellationToken)).Any(e => e.Effect.State == EffectStates.Pending && e.Effect.Lines.Any(l => keys.Contains(l.Key))))
        {
            return "unapplied_effect: an effect on this listing is recorded and not yet applied; the next run pushes the figure after it";
        }

        // The seller's orders whose follow-up is not done, read by key from their marks (a handful, not the seller's history).
        foreach (var (orderId, _, items, _) in await orderStore.ListFollowUpMarksAsync(sellerId, cancellationToken))
        {
            if (items.Contains("," + itemId + ",", StringComparison.Ordinal) &&
                !EffectStates.IsFinal((await effectStore.GetAsync(sellerId, StockEffectStore.SubtractId(orderId), cancellationToken))?.State))
            {
                return $"unapplied_sale: order {orderId} of this listing is stored and its stock effect has not run yet; the next run pushes the figure after it";
            }
        }

        return null;
    }

    private static void Fail(ReconcileReport report, IEnumerable<LedgerRow> rows, int? meliQuantity, string reason) =>
        report.Entries.AddRange(rows.Select(r => new ReconcileEntry(r.ItemId, r.VariationId, ReconcileOutcomes.Failed, r.Available, meliQuantity, reason)));

    private static void Fail(ReconcileReport report, IEnumerable<ReconcileEntry> rows, string reason) =>
        report.Entries.AddRange(rows.Select(r => r with { Outcome = ReconcileOutcomes.Failed, Reason = reason }));

    private static void Defer(ReconcileReport report, IEnumerable<LedgerRow> rows, string reason) =>
        report.Entries.AddRange(rows.Select(r => new ReconcileEntry(r.ItemId, r.VariationId, ReconcileOutcomes.Deferred, r.Available, null, reason)));

    private static void Defer(ReconcileReport report, IEnumerable<ReconcileEntry> rows, string reason) =>
        report.Entries.AddRange(rows.Select(r => r with { Outcome = ReconcileOutcomes.Deferred, Reason = reason }));

    internal sealed record Push(MeliStockUpdate Update, List<ReconcileEntry> Rows);
}
