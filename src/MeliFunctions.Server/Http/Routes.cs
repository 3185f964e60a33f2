using MeliFunctions.Hosting;
using MeliFunctions.Http;
using MeliFunctions.MercadoLibre.OAuth;
using MeliFunctions.Notifications;
using MeliFunctions.Orders;
using MeliFunctions.Server.Fraud;
using MeliFunctions.Server.OpenApi;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace MeliFunctions.Server.Http;

/// <summary>The HTTP routes the README lists, each a call into Core, as the App's HTTP functions are.</summary>
public static class Routes
{
    public static void MapMeliRoutes(this WebApplication app)
    {
        var api = app.MapGroup("/api");

        api.MapPost("/notifications", async (HttpRequest req, NotificationIntake intake, CancellationToken ct) =>
            (await intake.AcceptAsync(req.ToIntakeRequest(), ct)).ToResult());

        api.MapGet("/oauth/start", async (HttpRequest req, OAuthFlow oauth, CancellationToken ct) =>
            (await oauth.StartAsync(req.BaseUrl(), req.Query["invite"].FirstOrDefault(), req.CameOverHttps(), ct)).ToResult());

        api.MapGet("/oauth/callback", async (HttpRequest req, OAuthFlow oauth, CancellationToken ct) =>
            (await oauth.CallbackAsync(req.ToOAuthCallback(), req.BaseUrl(), req.CameOverHttps(), ct)).ToResult());

        // ASP.NET Core health checks: ready (storage and queues) at /api/health, live (no check) at /api/health/live.
        // The answer is Core's, the same as the App's Health functions write.
        api.MapHealthChecks("/health", new HealthCheckOptions { Predicate = HealthProbe.IsReadiness, ResponseWriter = WriteHealth })
            .WithMetadata(new HttpMethodMetadata(["GET"]));
        api.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteHealth })
            .WithMetadata(new HttpMethodMetadata(["GET"]));

        var managed = api.MapGroup("").RequireManagementKey();
        managed.MapGet("/admin/health", async (SellerHealthReport health, CancellationToken ct) => (await health.GetAsync(ct)).ToResult());
        managed.MapGet("/orders/{orderId}", async (string orderId, OrdersApi orders, CancellationToken ct) =>
            (await orders.GetAsync(orderId, ct)).ToResult());
        managed.MapPost("/admin/invites", async (HttpRequest req, Invites invites, CancellationToken ct) =>
            (await invites.CreateAsync(req.Body, req.BaseUrl(), ct)).ToResult());
        managed.MapStockRoutes();
        managed.MapSweepRoutes();
        managed.MapFraudRoutes();
        managed.MapSellerActionRoutes();
        managed.MapOperationsRoutes();
        // The OpenAPI document, as the App serves it (the Server also at /openapi/v1.json).
        managed.MapGet("/openapi/v1.json", ApiDocument.Serve);
    }

    private static Task WriteHealth(HttpContext context, HealthReport report) =>
        new ApiResult(HealthProbe.ToResponse(report)).ExecuteAsync(context);
}
