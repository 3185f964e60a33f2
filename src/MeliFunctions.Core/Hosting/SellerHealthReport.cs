using System.Text.Json.Nodes;
using MeliFunctions.MercadoLibre.OAuth;
using MeliFunctions.Storage;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace MeliFunctions.Hosting;

/// <summary>
/// <c>GET /api/admin/health</c> (management key): the checks tagged <see cref="HealthProbe.AdminTag"/>
/// (storage reachable, queue depths and poison counts, the sellers' connection state with the reason a
/// seller was disconnected) as one answer. The anonymous <c>/api/health</c> says only healthy or not
/// (<see cref="HealthProbe"/>): seller ids and counts stay behind the key.
/// </summary>
public sealed class SellerHealthReport(HealthCheckService health, TimeProvider time)
{
    public async Task<ApiResponse> GetAsync(CancellationToken cancellationToken)
    {
        var report = await health.CheckHealthAsync(HealthProbe.IsAdmin, cancellationToken);
        if (report.Entries.FirstOrDefault(e => e.Value.Status == HealthStatus.Unhealthy) is { Key: not null } failed)
        {
            return ApiResponse.Json(503, new JsonObject
            {
                ["status"] = "unhealthy",
                ["storage"] = "unreachable",
                ["message"] = failed.Value.Description,
            });
        }

        var depths = report.Entries[QueueDepthsHealthCheck.Name].Data;
        var queues = new JsonObject();
        foreach (var name in StorageNames.Queues)
        {
            queues[name] = (int)depths[name];
        }

        var sellers = report.Entries[SellersHealthCheck.Name].Data;
        var disconnected = new JsonArray();
        foreach (var (sellerId, reason) in (IReadOnlyList<(string SellerId, string? Reason)>)sellers[SellersHealthCheck.DisconnectedKey])
        {
            disconnected.Add(new JsonObject { ["seller_id"] = sellerId, ["reason"] = reason });
        }

        return ApiResponse.Json(200, new JsonObject
        {
            ["status"] = report.Status == HealthStatus.Healthy ? "healthy" : "degraded",
            ["time"] = time.GetUtcNow(),
            ["storage"] = "reachable",
            ["queues"] = queues,
            ["poison"] = queues[StorageNames.NotificationsPoisonQueue]?.DeepClone(),
            ["sellers"] = new JsonObject { ["connected"] = (int)sellers[SellersHealthCheck.ConnectedKey], ["disconnected"] = disconnected },
        });
    }
}

/// <summary>Each queue's approximate depth (a message a worker holds counts too), in the check's data by queue name.</summary>
internal sealed class QueueDepthsHealthCheck(StorageClients storage) : IHealthCheck
{
    public const string Name = "queue_depths";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var depths = new Dictionary<string, object>(StringComparer.Ordinal);
            foreach (var name in StorageNames.Queues)
            {
                depths[name] = (await storage.Queue(name).GetPropertiesAsync(cancellationToken)).Value.ApproximateMessagesCount;
            }

            return HealthCheckResult.Healthy(data: depths);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy(ex.GetType().Name);
        }
    }
}

/// <summary>
/// The sellers' tokens: degraded while a seller is disconnected (its refresh token was refused or
/// revoked: it must connect again), with the seller ids and reasons in the check's data.
/// </summary>
internal sealed class SellersHealthCheck(SellerAccounts sellers) : IHealthCheck
{
    public const string Name = "sellers";
    public const string ConnectedKey = "connected";
    public const string DisconnectedKey = "disconnected";

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var connected = 0;
            var disconnected = new List<(string SellerId, string? Reason)>();
            await foreach (var seller in sellers.ListAsync(cancellationToken))
            {
                if (seller.IsConnected)
                {
                    connected++;
                }
                else
                {
                    disconnected.Add((seller.SellerId, seller.StatusReason));
                }
            }

            var data = new Dictionary<string, object>(StringComparer.Ordinal) { [ConnectedKey] = connected, [DisconnectedKey] = disconnected };
            return disconnected.Count == 0
                ? HealthCheckResult.Healthy(data: data)
                : HealthCheckResult.Degraded($"{disconnected.Count} seller(s) must connect again", data: data);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy(ex.GetType().Name);
        }
    }
}
