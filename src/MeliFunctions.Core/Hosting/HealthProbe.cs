using System.Text.Json.Nodes;
using MeliFunctions.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace MeliFunctions.Hosting;

/// <summary>
/// The health checks both hosts run (<c>Microsoft.Extensions.Diagnostics.HealthChecks</c>), registered
/// once here. Readiness (<see cref="ReadyTag"/>): <c>storage</c> (the table service answers) and
/// <c>queues</c> (each queue the app uses exists and answers); its anonymous answer says only healthy
/// or not, per check: no seller ids, no depths, no exception text. Liveness runs no check. Behind the
/// management key (<see cref="AdminTag"/>): <c>storage</c>, <c>queue_depths</c>, <c>sellers</c>
/// (the sellers' tokens: connected, or disconnected with the reason) and <c>meli</c> (Mercado Libre's
/// API host accepts a connection; no request is sent, so no seller's budget is spent), which
/// <see cref="SellerHealthReport"/> turns into <c>/api/admin/health</c>. The Server maps readiness and
/// liveness with <c>MapHealthChecks</c>; the App's functions run the same checks through
/// <see cref="HealthCheckService"/>.
/// </summary>
public static class HealthProbe
{
    /// <summary>Checks that decide readiness (<c>/api/health</c>); liveness (<c>/api/health/live</c>) runs none.</summary>
    public const string ReadyTag = "ready";

    /// <summary>Checks whose data stays behind the management key (<c>/api/admin/health</c>).</summary>
    public const string AdminTag = "admin";

    public static IServiceCollection AddMeliHealthChecks(this IServiceCollection services)
    {
        services.AddHealthChecks()
            .AddCheck<StorageHealthCheck>("storage", tags: [ReadyTag, AdminTag])
            .AddCheck<QueuesHealthCheck>("queues", tags: [ReadyTag])
            .AddCheck<QueueDepthsHealthCheck>(QueueDepthsHealthCheck.Name, tags: [AdminTag])
            .AddCheck<SellersHealthCheck>(SellersHealthCheck.Name, tags: [AdminTag])
            .AddCheck<MeliReachableHealthCheck>(MeliReachableHealthCheck.Name, tags: [AdminTag]);
        return services;
    }

    /// <summary>True for the checks <c>/api/admin/health</c> runs.</summary>
    public static bool IsAdmin(HealthCheckRegistration registration) => registration.Tags.Contains(AdminTag);

    /// <summary>True for the checks <c>/api/health</c> runs.</summary>
    public static bool IsReadiness(HealthCheckRegistration registration) => registration.Tags.Contains(ReadyTag);

    /// <summary><c>{"status": "healthy"|"unhealthy", "checks": {"storage": ..., "queues": ...}}</c>: 200 when healthy, else 503.</summary>
    public static ApiResponse ToResponse(HealthReport report)
    {
        var checks = new JsonObject();
        foreach (var (name, entry) in report.Entries.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            checks[name] = Word(entry.Status);
        }

        var body = new JsonObject { ["status"] = Word(report.Status) };
        if (checks.Count > 0)
        {
            body["checks"] = checks;
        }

        return ApiResponse.Json(report.Status == HealthStatus.Healthy ? 200 : 503, body);
    }

    private static string Word(HealthStatus status) => status == HealthStatus.Healthy ? "healthy" : "unhealthy";
}

/// <summary>The table service answers a one-row read of <c>Sellers</c> (which needs no row to exist).</summary>
internal sealed class StorageHealthCheck(StorageClients storage) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var table = storage.Table(StorageNames.SellersTable);
            await foreach (var _ in table.QueryAsync<Azure.Data.Tables.TableEntity>(filter: "PartitionKey eq 'health'", maxPerPage: 1, select: ["PartitionKey"], cancellationToken: cancellationToken).AsPages())
            {
                break;
            }

            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy(ex.GetType().Name);
        }
    }
}

/// <summary>Every queue of the app exists and answers.</summary>
internal sealed class QueuesHealthCheck(StorageClients storage) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            foreach (var name in StorageNames.Queues)
            {
                await storage.Queue(name).GetPropertiesAsync(cancellationToken);
            }

            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy(ex.GetType().Name);
        }
    }
}
