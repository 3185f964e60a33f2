using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using MeliFunctions.MercadoLibre.OAuth;
using MeliFunctions.Scheduling;
using Microsoft.Extensions.Logging;

namespace MeliFunctions.Sweeps;

/// <summary>
/// Runs sweeps and backfills, now or in the background, and records each sweep run (its id, state
/// and report) in <c>SweepState</c> so any instance can answer <c>GET /api/admin/sweep/{runId}</c>.
/// A background run ends with the process at the latest: what it saved (cursors, watermarks) lets
/// the next run go on where it stopped.
/// </summary>
public sealed class SweepRunner(
    SellerAccounts sellers,
    PendingSweep sweep,
    MissedFeedsReplay missedFeeds,
    Backfill backfill,
    SweepStateStore state,
    TimeProvider time,
    ILogger<SweepRunner> logger) : IScheduledJob, ISellerConnectedObserver, IAsyncDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<Task, bool> _background = new();
    private int _disposed;

    public string Name => "PendingSweep";

    public string ScheduleSetting => Configuration.SettingNames.PendingSweepSchedule;

    public string DefaultSchedule => "0 */10 * * * *";

    /// <summary>The timer: every connected seller, then the missed feeds.</summary>
    public async Task RunAsync(CancellationToken cancellationToken) => await SweepAsync(NewRunId(), null, cancellationToken);

    /// <summary>
    /// A new seller: the backfill's first page is read before the OAuth callback answers (a seller
    /// with few orders is imported then and there, and the total is known); the rest goes on in the background.
    /// </summary>
    public async Task OnSellerConnectedAsync(string sellerId, CancellationToken cancellationToken)
    {
        try
        {
            var first = await backfill.RunAsync(sellerId, NewRunId(), cancellationToken, maxPages: 1);
            if (first["state"]?.GetValue<string>() is "completed")
            {
                return;
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "The first backfill page of seller {SellerId} failed; the backfill goes on in the background", sellerId);
        }

        StartBackfill(sellerId);
    }

    public static string NewRunId() => Guid.NewGuid().ToString("N");

    /// <summary>Sweeps <paramref name="sellerId"/> (or every connected seller) and replays missed feeds; the report is saved under <paramref name="runId"/>.</summary>
    public async Task<JsonObject> SweepAsync(string runId, string? sellerId, CancellationToken cancellationToken)
    {
        var report = await BeginSweepAsync(runId, sellerId, cancellationToken);
        await using var alive = state.KeepRunAlive(runId);
        try
        {
            var connected = new List<string>();
            await foreach (var account in sellers.ListAsync(cancellationToken))
            {
                if (account.IsConnected && (sellerId is null || account.SellerId == sellerId))
                {
                    connected.Add(account.SellerId);
                }
            }

            var results = new JsonArray();
            foreach (var seller in connected)
            {
                results.Add(await sweep.SweepSellerAsync(seller, runId, cancellationToken));
            }

            report["sellers"] = results;
            if (connected.Count > 0)
            {
                try
                {
                    report["missed_feeds"] = await missedFeeds.ReplayAsync(connected[0], connected.ToHashSet(), cancellationToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    logger.LogError(ex, "Missed feeds replay failed; the next sweep tries again");
                    report["missed_feeds"] = new JsonObject { ["status"] = "failed", ["error"] = ex.Message };
                }
            }

            report["state"] = "completed";
        }
        catch (Exception ex)
        {
            report["state"] = ex is OperationCanceledException ? "interrupted" : "failed";
            report["error"] = ex.Message;
            throw;
        }
        finally
        {
            report["finished_at"] = time.GetUtcNow();
            await state.SaveRunAsync(runId, "sweep", report["state"]!.GetValue<string>(), report, CancellationToken.None);
        }

        return report;
    }

    /// <summary>Starts a sweep in the background; its report is readable by run id.</summary>
    /// <summary>Starts a sweep in the background; its run report is saved first, so the status URL answers at once.</summary>
    public async Task<string> StartSweepAsync(string? sellerId, CancellationToken cancellationToken)
    {
        var runId = NewRunId();
        await BeginSweepAsync(runId, sellerId, cancellationToken);
        Background(ct => SweepAsync(runId, sellerId, ct), $"sweep {runId}");
        return runId;
    }

    /// <summary>Saves the run's report as <c>running</c> (with its lease) and returns it.</summary>
    private async Task<JsonObject> BeginSweepAsync(string runId, string? sellerId, CancellationToken cancellationToken)
    {
        var report = new JsonObject
        {
            ["run_id"] = runId,
            ["kind"] = "sweep",
            ["state"] = "running",
            ["seller"] = sellerId,
            ["started_at"] = time.GetUtcNow(),
        };
        await state.SaveRunAsync(runId, "sweep", "running", report, cancellationToken);
        return report;
    }

    public string StartBackfill(string sellerId)
    {
        var runId = NewRunId();
        Background(ct => backfill.RunAsync(sellerId, runId, ct), $"backfill of seller {sellerId}");
        return runId;
    }

    private void Background(Func<CancellationToken, Task> work, string what)
    {
        var task = Task.Run(async () =>
        {
            try
            {
                await work(_stopping.Token);
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                logger.LogInformation("The {What} stopped with the host; the next run goes on from its cursor", what);
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "The {What} failed", what);
            }
        });
        _background[task] = true;
        task.ContinueWith(t => _background.TryRemove(t, out _), TaskScheduler.Default);
    }

    public async ValueTask DisposeAsync()
    {
        // Registered as itself, as a timer job and as a connect observer: the container disposes it more than once.
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _stopping.CancelAsync();
        try
        {
            await Task.WhenAll(_background.Keys);
        }
        catch (Exception ex)
        {
            logger.LogDebug(ex, "Background sweeps ended while stopping");
        }

        _stopping.Dispose();
    }
}
