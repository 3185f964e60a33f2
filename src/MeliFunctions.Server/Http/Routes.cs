using System.Security.Cryptography;
using System.Text;
using MeliFunctions.Hosting;
using MeliFunctions.Http;
using MeliFunctions.MercadoLibre.OAuth;
using MeliFunctions.Notifications;
using MeliFunctions.Orders;
using MeliFunctions.Server.Fraud;
using Microsoft.Extensions.Options;

namespace MeliFunctions.Server.Http;

/// <summary>The HTTP routes of CONTRACT.md, each a call into Core, like the App's HTTP functions.</summary>
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

        var managed = api.MapGroup("").AddEndpointFilter(RequireKey);
        managed.MapGet("/orders/{orderId}", async (string orderId, OrdersApi orders, CancellationToken ct) =>
            (await orders.GetAsync(orderId, ct)).ToResult());
        managed.MapStockRoutes();
        managed.MapSweepRoutes();
        managed.MapFraudRoutes();
        managed.MapSellerActionRoutes();
        managed.MapOperationsRoutes();
    }

    /// <summary>Management routes need <c>x-functions-key</c> (or <c>?code=</c>, as Functions keys) equal to <c>Server__ApiKey</c>.</summary>
    private static async ValueTask<object?> RequireKey(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var expected = http.RequestServices.GetRequiredService<IOptions<ServerOptions>>().Value.ApiKey;
        string? given = http.Request.Headers["x-functions-key"].FirstOrDefault() ?? http.Request.Query["code"].FirstOrDefault();
        if (string.IsNullOrEmpty(expected))
        {
            return ApiResponse.Error(401, "management_disabled", "Management routes are off: set Server__ApiKey and send it in the x-functions-key header.").ToResult();
        }

        if (given is null || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(expected)))
        {
            return ApiResponse.Error(401, "invalid_key", "Send the management key in the x-functions-key header.").ToResult();
        }

        return await next(context);
    }
}
