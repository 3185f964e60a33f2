using System.Text.Json.Nodes;
using MeliFunctions.MercadoLibre.OAuth;
using MeliFunctions.Storage;

namespace MeliFunctions.Hosting;

/// <summary>
/// <c>GET /api/admin/health</c> (management key): queue depths, poison counts and the sellers'
/// connection state with the reason a seller was disconnected. The anonymous <c>/api/health</c>
/// says only healthy or not (<see cref="HealthProbe"/>): seller ids and counts stay behind the key.
/// </summary>
public sealed class SellerHealthReport(StorageClients storage, SellerAccounts sellers, TimeProvider time)
{
    public async Task<ApiResponse> GetAsync(CancellationToken cancellationToken)
    {
        var queues = new JsonObject();
        try
        {
            foreach (var name in StorageNames.Queues)
            {
                var properties = await storage.Queue(name).GetPropertiesAsync(cancellationToken);
                queues[name] = properties.Value.ApproximateMessagesCount;
            }

            var disconnected = new JsonArray();
            var connected = 0;
            await foreach (var seller in sellers.ListAsync(cancellationToken))
            {
                if (seller.IsConnected)
                {
                    connected++;
                }
                else
                {
                    disconnected.Add(new JsonObject { ["seller_id"] = seller.SellerId, ["reason"] = seller.StatusReason });
                }
            }

            return ApiResponse.Json(200, new JsonObject
            {
                ["status"] = disconnected.Count == 0 ? "healthy" : "degraded",
                ["time"] = time.GetUtcNow(),
                ["storage"] = "reachable",
                ["queues"] = queues,
                ["poison"] = queues[StorageNames.NotificationsPoisonQueue]?.DeepClone(),
                ["sellers"] = new JsonObject { ["connected"] = connected, ["disconnected"] = disconnected },
            });
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            return ApiResponse.Json(503, new JsonObject
            {
                ["status"] = "unhealthy",
                ["storage"] = "unreachable",
                ["message"] = ex.GetType().Name,
            });
        }
    }
}
