using MeliFunctions.Fraud;
using MeliFunctions.Http;

namespace MeliFunctions.Server.Fraud;

public static class FraudServerExtensions
{
    /// <summary>The fraud flow's queue driver; the Server pumps <c>fraud-steps</c> into it (see <see cref="ServerTriggers"/>).</summary>
    public static IServiceCollection AddMeliFraudDriver(this IServiceCollection services)
    {
        services.AddSingleton<FraudStepDriver>();
        return services;
    }

    /// <summary><c>GET /api/fraud-cases/{orderId}</c> on the management group.</summary>
    public static RouteGroupBuilder MapFraudRoutes(this RouteGroupBuilder managed)
    {
        managed.MapGet("/fraud-cases", async (HttpRequest req, FraudCasesApi cases, CancellationToken ct) =>
            (await cases.ListAsync(req.Query["seller"], ct)).ToResult());
        managed.MapGet("/fraud-cases/{orderId}", async (string orderId, FraudCasesApi cases, CancellationToken ct) =>
            (await cases.GetAsync(orderId, ct)).ToResult());
        return managed;
    }
}
