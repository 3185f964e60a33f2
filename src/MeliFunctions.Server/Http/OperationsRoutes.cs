using MeliFunctions.Http;
using MeliFunctions.Operations;
using MeliFunctions.Orders;

namespace MeliFunctions.Server.Http;

/// <summary>The orders search and the operators' routes (management key required), each a call into Core.</summary>
public static class OperationsRoutes
{
    public static void MapOperationsRoutes(this RouteGroupBuilder managed)
    {
        managed.MapGet("/orders", async (HttpRequest req, OrdersApi orders, CancellationToken ct) =>
            (await orders.SearchAsync(req.QueryValues(), ct)).ToResult());

        managed.MapGet("/admin/overview", async (HttpRequest req, OperationsOverview overview, CancellationToken ct) =>
            (await overview.GetAsync(req.Query["seller"], req.Query["hours"], ct)).ToResult());

        managed.MapGet("/admin/poison", async (PoisonAdmin poison, CancellationToken ct) =>
            (await poison.ListAsync(ct)).ToResult());

        managed.MapPost("/admin/poison/{messageId}/requeue", async (string messageId, PoisonAdmin poison, CancellationToken ct) =>
            (await poison.RequeueAsync(messageId, ct)).ToResult());
    }
}
