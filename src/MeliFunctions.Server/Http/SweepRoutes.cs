using MeliFunctions.Http;
using MeliFunctions.Sweeps;

namespace MeliFunctions.Server.Http;

/// <summary>The sweeps' management routes (key required), each a call into Core like the App's functions.</summary>
public static class SweepRoutes
{
    public static void MapSweepRoutes(this RouteGroupBuilder managed)
    {
        managed.MapPost("/admin/sweep", async (HttpRequest req, SweepApi sweeps, CancellationToken ct) =>
            (await sweeps.SweepAsync(req.Query["seller"], req.QueryFlag("wait"), ct)).ToResult());

        managed.MapGet("/admin/sweep/{runId}", async (string runId, SweepApi sweeps, CancellationToken ct) =>
            (await sweeps.GetSweepAsync(runId, ct)).ToResult());

        managed.MapPost("/admin/backfill/{sellerId}", async (string sellerId, HttpRequest req, SweepApi sweeps, CancellationToken ct) =>
            (await sweeps.BackfillAsync(sellerId, req.QueryFlag("wait"), ct)).ToResult());

        managed.MapGet("/admin/backfill/{sellerId}", async (string sellerId, SweepApi sweeps, CancellationToken ct) =>
            (await sweeps.GetBackfillAsync(sellerId, ct)).ToResult());
    }
}
