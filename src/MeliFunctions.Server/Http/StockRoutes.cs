using MeliFunctions.Http;
using MeliFunctions.Stock;

namespace MeliFunctions.Server.Http;

/// <summary>The stock routes (management key required), each a call into Core's <see cref="StockApi"/>.</summary>
public static class StockRoutes
{
    public static void MapStockRoutes(this RouteGroupBuilder managed)
    {
        managed.MapGet("/stock/{sellerId}/{itemId}", async (string sellerId, string itemId, StockApi stock, CancellationToken ct) =>
            (await stock.GetAsync(sellerId, itemId, ct)).ToResult());

        managed.MapPut("/stock/{sellerId}/{itemId}", async (string sellerId, string itemId, HttpRequest req, StockApi stock, CancellationToken ct) =>
            (await stock.PutAsync(sellerId, itemId, req.Body, ct)).ToResult());

        managed.MapPost("/stock/{sellerId}/{itemId}/adjustments", async (string sellerId, string itemId, HttpRequest req, StockApi stock, CancellationToken ct) =>
            (await stock.AdjustAsync(sellerId, itemId, req.IdempotencyKey(), req.Body, ct)).ToResult());

        managed.MapPost("/admin/reconcile", async (HttpRequest req, StockApi stock, CancellationToken ct) =>
            (await stock.ReconcileAsync(req.Query["seller"], req.Query["dry_run"], ct)).ToResult());

        managed.MapGet("/admin/reconcile/last", async (HttpRequest req, StockApi stock, CancellationToken ct) =>
            (await stock.LastReportAsync(req.Query["seller"], ct)).ToResult());
    }
}
