using System.Net.Sockets;
using System.Text.Json.Nodes;
using MeliFunctions.MercadoLibre;
using MeliFunctions.MercadoLibre.OAuth;
using MeliFunctions.Storage;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace MeliFunctions.Hosting;

/// <summary>
/// <c>GET /api/admin/health</c> (management key): the checks tagged <see cref="HealthProbe.AdminTag"/>
/// (storage reachable, queue depths and poison counts, the sellers' connection state with the reason a
/// seller was disconnected, Mercado Libre reachable) as one answer: <c>degraded</c> while a seller is
/// disconnected or Mercado Libre cannot be reached, 503 when storage cannot. The anonymous <c>/api/health</c> says only healthy or not
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
            ["meli"] = report.Entries[MeliReachableHealthCheck.Name].Status == HealthStatus.Healthy ? "reachable" : "unreachable",
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

/// <summary>
/// Mercado Libre's API host (<c>Meli__ApiBaseUrl</c>) accepts a TCP connection within 3 s: degraded
/// when it does not. No HTTP request is sent, so the check costs no seller's request budget.
/// </summary>
internal sealed class MeliReachableHealthCheck(IOptions<MeliOptions> options) : IHealthCheck
{
    public const string Name = "meli";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(3);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var api = options.Value.ApiBaseUrl;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(api.Host, api.Port, timeout.Token);
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is SocketException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return HealthCheckResult.Degraded($"{api.Host}:{api.Port} unreachable: {ex.GetType().Name}");
        }
    }
}
