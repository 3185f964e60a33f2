using MeliFunctions.Http;
using MeliFunctions.Stock;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace MeliFunctions.App.Functions;

/// <summary>The seller's stock ledger, the reconcile timer and its admin routes (function key required).</summary>
/// <remarks>
/// The Functions host refuses route templates that start with the literal <c>admin</c> (its own API);
/// a one-value route constraint keeps the contract's <c>/api/admin/reconcile</c>.
/// </remarks>
public sealed class StockFunctions(StockApi stock, StockReconcileJob reconcile)
{
    [Function("GetStock")]
    public async Task<IActionResult> GetStock(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "stock/{sellerId}/{itemId}")] HttpRequest req, string sellerId, string itemId, CancellationToken cancellationToken) =>
        (await stock.GetAsync(sellerId, itemId, cancellationToken)).ToResult();

    [Function("PutStock")]
    public async Task<IActionResult> PutStock(
        [HttpTrigger(AuthorizationLevel.Function, "put", Route = "stock/{sellerId}/{itemId}")] HttpRequest req, string sellerId, string itemId, CancellationToken cancellationToken) =>
        (await stock.PutAsync(sellerId, itemId, req.Body, cancellationToken)).ToResult();

    [Function("AdjustStock")]
    public async Task<IActionResult> AdjustStock(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "stock/{sellerId}/{itemId}/adjustments")] HttpRequest req, string sellerId, string itemId, CancellationToken cancellationToken) =>
        (await stock.AdjustAsync(sellerId, itemId, req.IdempotencyKey(), req.Body, cancellationToken)).ToResult();

    [Function("StockReconcile")]
    public Task StockReconcile([TimerTrigger("%StockReconcileSchedule%")] TimerInfo timer, CancellationToken cancellationToken) =>
        reconcile.RunAsync(cancellationToken);

    [Function("ReconcileNow")]
    public async Task<IActionResult> ReconcileNow(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "{prefix:regex(^admin$)}/reconcile")] HttpRequest req, CancellationToken cancellationToken) =>
        (await stock.ReconcileAsync(req.Query["seller"], req.Query["dry_run"], cancellationToken)).ToResult();

    [Function("LastReconcile")]
    public async Task<IActionResult> LastReconcile(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "{prefix:regex(^admin$)}/reconcile/last")] HttpRequest req, CancellationToken cancellationToken) =>
        (await stock.LastReportAsync(req.Query["seller"], cancellationToken)).ToResult();
}
