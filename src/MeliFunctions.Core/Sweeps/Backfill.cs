using System.Text.Json.Nodes;
using Azure.Data.Tables;
using MeliFunctions.MercadoLibre;
using MeliFunctions.MercadoLibre.Budget;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MeliFunctions.Sweeps;

/// <summary>
/// Imports a seller's last <see cref="SweepOptions.BackfillDays"/> days through <c>/orders/search</c>
/// (<c>order.date_created.from</c>, oldest first), page by page, under the seller's <c>backfill</c>
/// lease. After each page the cursor and the progress are saved in one ETag-guarded write, so a run
/// that crashes resumes at the first page not fully handled. A new order can only join the end of
/// the list (sorted by date closed), so the offsets of pages read stay valid. Orders created after
/// the backfill began are left to the webhook, as for any connected seller.
/// </summary>
public sealed class Backfill(OrderPages pages, SweepStateStore state, IOptions<SweepOptions> options, TimeProvider time, ILogger<Backfill> logger)
{
    public const string Origin = "backfill";

    /// <param name="maxPages">stop (state <c>paused</c>) after this many pages; the next run resumes</param>
    public async Task<JsonObject> RunAsync(string sellerId, string runId, CancellationToken cancellationToken, int maxPages = int.MaxValue)
    {
        using var scope = logger.BeginScope(new Dictionary<string, object> { ["SellerId"] = sellerId, ["RunId"] = runId });
        var row = await state.TryLeaseAsync(sellerId, SweepStateStore.BackfillRow, runId, cancellationToken);
        if (row is null)
        {
            logger.LogInformation("Backfill of seller {SellerId} not started: another run holds its lease", sellerId);
            var busy = await ProgressAsync(sellerId, cancellationToken) ?? new JsonObject { ["seller_id"] = sellerId };
            busy["status"] = "busy";
            return busy;
        }

        var o = options.Value;
        var now = time.GetUtcNow();
        if (row.GetString("State") is null or "completed")
        {
            row["State"] = "running";
            row["From"] = SweepRules.FloorHour(now - TimeSpan.FromDays(o.BackfillDays));
            row["Offset"] = 0;
            row["PagesDone"] = 0;
            row["OrdersSeen"] = 0;
            row["OrdersQueued"] = 0;
            row["OrdersFromPage"] = 0;
            row["Total"] = -1;
            row["StartedAt"] = now;
            row["Error"] = "";
            row["Runs"] = 0;
            logger.LogInformation("Backfill of seller {SellerId} starts: orders created since {From}", sellerId, row["From"]);
        }
        else
        {
            logger.LogInformation("Backfill of seller {SellerId} resumes at offset {Offset} ({State} before)", sellerId, row.GetInt32("Offset"), row.GetString("State"));
            row["State"] = "running";
            row["Error"] = "";
        }

        row["Runs"] = (row.GetInt32("Runs") ?? 0) + 1;
        row["UpdatedAt"] = now;
        await state.CommitAsync(row, cancellationToken);

        // Live syncs and seller actions go first; the run's calls are counted in its scope.
        using var calls = MeliCallScope.Begin(MeliPriority.Background);
        var budget = new SweepCap(calls, o.MaxRequestsPerRun);
        try
        {
            row["State"] = await PagesAsync(sellerId, row, budget, maxPages, cancellationToken) ? "completed" : "paused";
            if (row.GetString("State") == "completed")
            {
                row["FinishedAt"] = time.GetUtcNow();
            }
        }
        catch (Exception ex) when (ex is not SweepLeaseLostException)
        {
            logger.LogError(ex, "Backfill of seller {SellerId} failed at offset {Offset}; it resumes there when started again", sellerId, row.GetInt32("Offset"));
            row["State"] = ex is OperationCanceledException ? "interrupted" : "failed";
            row["Error"] = ex.Message;
        }
        finally
        {
            row["UpdatedAt"] = time.GetUtcNow();
            await state.ReleaseAsync(row, CancellationToken.None);
        }

        logger.LogInformation("Backfill of seller {SellerId}: {State}, {Pages} pages, {Queued} orders queued", sellerId, row.GetString("State"), row.GetInt32("PagesDone"), row.GetInt32("OrdersQueued"));
        return ToProgress(row);
    }

    /// <summary>True when the last page was handled; false when the run's budget or page count ran out first.</summary>
    private async Task<bool> PagesAsync(string sellerId, TableEntity row, SweepCap budget, int maxPages, CancellationToken cancellationToken)
    {
        var o = options.Value;
        var from = row.GetDateTimeOffset("From")!.Value;
        for (var pagesThisRun = 0; pagesThisRun < maxPages; pagesThisRun++)
        {
            if (budget.Exhausted)
            {
                return false;
            }

            var offset = row.GetInt32("Offset") ?? 0;
            var search = new MeliOrderSearch(sellerId, offset, o.PageSize) { CreatedFrom = from, Sort = "date_asc" };
            var page = await pages.ReadAsync(search, cancellationToken);
            var step = new SweepStep("backfill", sellerId, row.GetInt32("PagesDone") ?? 0, offset, "", 0);
            // Orders created after the backfill began are the webhook's (and the sweeps'), not ours.
            var outcome = await pages.QueueBehindAsync(step, page.Orders, Origin, budget, cancellationToken, row.GetDateTimeOffset("StartedAt"));
            if (outcome.BudgetExhausted)
            {
                return false;
            }

            row["Offset"] = offset + page.Count;
            row["PagesDone"] = (row.GetInt32("PagesDone") ?? 0) + 1;
            row["OrdersSeen"] = (row.GetInt32("OrdersSeen") ?? 0) + page.Orders.Count;
            row["OrdersQueued"] = (row.GetInt32("OrdersQueued") ?? 0) + outcome.Queued;
            row["OrdersFromPage"] = (row.GetInt32("OrdersFromPage") ?? 0) + outcome.StoredFromPage;
            row["Total"] = page.Total ?? -1;
            row["UpdatedAt"] = time.GetUtcNow();
            var done = page.Count < o.PageSize || (page.Total is { } total && offset + page.Count >= total);
            await state.CommitAsync(row, cancellationToken);
            if (done)
            {
                return true;
            }
        }

        return false;
    }

    public async Task<JsonObject?> ProgressAsync(string sellerId, CancellationToken cancellationToken) =>
        await state.GetAsync(sellerId, SweepStateStore.BackfillRow, cancellationToken) is { } row && row.GetString("State") is not null ? ToProgress(row) : null;

    private JsonObject ToProgress(TableEntity row)
    {
        var total = row.GetInt32("Total") is { } t && t >= 0 ? t : (int?)null;
        var seen = row.GetInt32("OrdersSeen") ?? 0;
        var state = row.GetString("State");
        if (state == "running" && row.GetDateTimeOffset("LeaseUntil") is { } until && until < time.GetUtcNow())
        {
            // Its run stopped without a word (the process died): the next start resumes it.
            state = "interrupted";
        }

        return new JsonObject
        {
            ["seller_id"] = row.PartitionKey,
            ["state"] = state,
            ["from"] = row.GetDateTimeOffset("From") is { } f ? SweepRules.FilterDate(f) : null,
            ["pages_done"] = row.GetInt32("PagesDone") ?? 0,
            ["pages_total"] = total is { } pagesTotal ? (pagesTotal + options.Value.PageSize - 1) / options.Value.PageSize : null,
            ["orders_seen"] = seen,
            ["orders_queued"] = row.GetInt32("OrdersQueued") ?? 0,
            ["orders_stored_from_page"] = row.GetInt32("OrdersFromPage") ?? 0,
            ["total"] = total,
            ["percent"] = total is > 0 ? Math.Round(100.0 * Math.Min(seen, total.Value) / total.Value, 1) : (state == "completed" ? 100.0 : null),
            ["offset"] = row.GetInt32("Offset") ?? 0,
            ["runs"] = row.GetInt32("Runs") ?? 0,
            ["started_at"] = row.GetDateTimeOffset("StartedAt"),
            ["updated_at"] = row.GetDateTimeOffset("UpdatedAt"),
            ["finished_at"] = state == "completed" ? row.GetDateTimeOffset("FinishedAt") : null,
            ["error"] = row.GetString("Error") is { Length: > 0 } error ? error : null,
        };
    }
}
