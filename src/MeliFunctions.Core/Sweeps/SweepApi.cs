using System.Text.Json.Nodes;
using MeliFunctions.Hosting;
using MeliFunctions.MercadoLibre.OAuth;

namespace MeliFunctions.Sweeps;

/// <summary>
/// The management routes of the sweeps, host-neutral: <c>POST /api/admin/sweep[?seller=][&amp;wait=true]</c>,
/// <c>GET /api/admin/sweep/{runId}</c>, <c>POST /api/admin/backfill/{sellerId}[?wait=true]</c> and
/// <c>GET /api/admin/backfill/{sellerId}</c>.
/// </summary>
public sealed class SweepApi(SweepRunner runner, Backfill backfill, SweepStateStore state, SellerAccounts sellers)
{
    /// <summary>Runs the sweep now: with <paramref name="wait"/>, answers 200 with what it did; else 202 with the run id to read.</summary>
    public async Task<ApiResponse> SweepAsync(string? seller, bool wait, CancellationToken cancellationToken)
    {
        if (!string.IsNullOrEmpty(seller) && await ConnectedSellerErrorAsync(seller, cancellationToken) is { } error)
        {
            return error;
        }

        var sellerId = string.IsNullOrEmpty(seller) ? null : seller;
        if (wait)
        {
            return ApiResponse.Json(200, await runner.SweepAsync(SweepRunner.NewRunId(), sellerId, cancellationToken));
        }

        var runId = await runner.StartSweepAsync(sellerId, cancellationToken);
        return Accepted(new JsonObject { ["run_id"] = runId, ["state"] = "running", ["status_url"] = $"/api/admin/sweep/{runId}" });
    }

    public async Task<ApiResponse> GetSweepAsync(string runId, CancellationToken cancellationToken) =>
        await state.GetRunAsync(runId, cancellationToken) is { } report
            ? ApiResponse.Json(200, report)
            : ApiResponse.NotFound($"No sweep run '{runId}'.");

    /// <summary>Starts (or resumes) the seller's backfill: with <paramref name="wait"/>, answers 200 with its progress at the end; else 202.</summary>
    public async Task<ApiResponse> BackfillAsync(string sellerId, bool wait, CancellationToken cancellationToken)
    {
        if (await ConnectedSellerErrorAsync(sellerId, cancellationToken) is { } error)
        {
            return error;
        }

        if (wait)
        {
            return ApiResponse.Json(200, await backfill.RunAsync(sellerId, SweepRunner.NewRunId(), cancellationToken));
        }

        var runId = runner.StartBackfill(sellerId);
        return Accepted(new JsonObject { ["run_id"] = runId, ["seller_id"] = sellerId, ["state"] = "running", ["status_url"] = $"/api/admin/backfill/{sellerId}" });
    }

    public async Task<ApiResponse> GetBackfillAsync(string sellerId, CancellationToken cancellationToken)
    {
        if (!IsSellerId(sellerId))
        {
            return ApiResponse.Error(400, "invalid_seller_id", "The seller id is a Mercado Libre user id (digits).");
        }

        return await backfill.ProgressAsync(sellerId, cancellationToken) is { } progress
            ? ApiResponse.Json(200, progress)
            : ApiResponse.NotFound($"Seller {sellerId} has no backfill.");
    }

    private async Task<ApiResponse?> ConnectedSellerErrorAsync(string sellerId, CancellationToken cancellationToken)
    {
        if (!IsSellerId(sellerId))
        {
            return ApiResponse.Error(400, "invalid_seller_id", "The seller id is a Mercado Libre user id (digits).");
        }

        var account = await sellers.GetAsync(sellerId, cancellationToken);
        return account switch
        {
            null => ApiResponse.NotFound($"Seller {sellerId} never connected the app."),
            { IsConnected: false } => ApiResponse.Error(409, "seller_disconnected", $"Seller {sellerId} is disconnected ({account.StatusReason}); it must connect again at /api/oauth/start."),
            _ => null,
        };
    }

    private static bool IsSellerId(string value) => value.Length is > 0 and <= 20 && value.All(char.IsAsciiDigit);

    private static ApiResponse Accepted(JsonObject body) =>
        new(202, body.ToJsonString(JsonDefaults.Options), new Dictionary<string, string> { ["Location"] = body["status_url"]!.GetValue<string>() });
}
