using MeliFunctions.Hosting;
using MeliFunctions.Http;
using MeliFunctions.MercadoLibre.OAuth;
using MeliFunctions.Notifications;
using MeliFunctions.Orders;
using MeliFunctions.Server.Fraud;

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
            (await oauth.StartAsync(req.BaseUrl(), ct)).ToResult());

        api.MapGet("/oauth/callback", async (HttpRequest req, OAuthFlow oauth, CancellationToken ct) =>
            (await oauth.CallbackAsync(req.Query["code"], req.Query["state"], req.Query["error"], req.BaseUrl(), ct)).ToResult());

        api.MapGet("/health", async (HealthReport health, CancellationToken ct) => (await health.GetAsync(ct)).ToResult());

        var managed = api.MapGroup("").RequireManagementKey();
        managed.MapGet("/orders/{orderId}", async (string orderId, OrdersApi orders, CancellationToken ct) =>
            (await orders.GetAsync(orderId, ct)).ToResult());
        managed.MapStockRoutes();
        managed.MapSweepRoutes();
        managed.MapFraudRoutes();
        managed.MapSellerActionRoutes();
        managed.MapOperationsRoutes();
    }
}
