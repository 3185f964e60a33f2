using MeliFunctions.Http;
using MeliFunctions.Sweeps;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace MeliFunctions.App.Functions;

/// <summary>The pending sweep (timer and on demand) and the backfill of a seller's past orders.</summary>
// The Functions host refuses route templates that start with the literal "admin" (its own API);
// a one-value route constraint keeps the contract's /api/admin/... routes (see StockFunctions).
public sealed class SweepFunctions(SweepRunner runner, SweepApi sweeps)
{
    [Function("PendingSweep")]
    public async Task PendingSweep([TimerTrigger("%PendingSweepSchedule%")] TimerInfo timer, CancellationToken cancellationToken) =>
        await runner.RunAsync(cancellationToken);

    [Function("SweepNow")]
    public async Task<IActionResult> SweepNow(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "{prefix:regex(^admin$)}/sweep")] HttpRequest req, CancellationToken cancellationToken) =>
        (await sweeps.SweepAsync(req.Query["seller"], req.QueryFlag("wait"), cancellationToken)).ToResult();

    [Function("GetSweep")]
    public async Task<IActionResult> GetSweep(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "{prefix:regex(^admin$)}/sweep/{runId}")] HttpRequest req, string runId, CancellationToken cancellationToken) =>
        (await sweeps.GetSweepAsync(runId, cancellationToken)).ToResult();

    [Function("StartBackfill")]
    public async Task<IActionResult> StartBackfill(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "{prefix:regex(^admin$)}/backfill/{sellerId}")] HttpRequest req, string sellerId, CancellationToken cancellationToken) =>
        (await sweeps.BackfillAsync(sellerId, req.QueryFlag("wait"), cancellationToken)).ToResult();

    [Function("GetBackfill")]
    public async Task<IActionResult> GetBackfill(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "{prefix:regex(^admin$)}/backfill/{sellerId}")] HttpRequest req, string sellerId, CancellationToken cancellationToken) =>
        (await sweeps.GetBackfillAsync(sellerId, cancellationToken)).ToResult();
}
