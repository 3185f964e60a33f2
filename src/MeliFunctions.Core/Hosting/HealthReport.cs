using System.Text.Json.Nodes;
using MeliFunctions.MercadoLibre.OAuth;
using MeliFunctions.Storage;

namespace MeliFunctions.Hosting;

/// <summary><c>GET /api/health</c>: storage reachable, queue depths, poison counts, sellers' connection state.</summary>
public sealed class HealthReport(StorageClients storage, SellerAccounts sellers, TimeProvider time)
{
    public async Task<ApiResponse> GetAsync(CancellationToken cancellationToken)
    {
        var queues = new JsonObject();
        var healthy = true;
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
            healthy = false;
            return ApiResponse.Json(503, new JsonObject
            {
                ["status"] = healthy ? "healthy" : "unhealthy",
                ["storage"] = "unreachable",
                ["message"] = ex.GetType().Name,
            });
        }
    }
}
