using MeliFunctions.Fraud;
using MeliFunctions.Queueing;
using MeliFunctions.Http;
using MeliFunctions.Server.Queues;
using MeliFunctions.Storage;
using Microsoft.Extensions.Options;

namespace MeliFunctions.Server.Fraud;

public static class FraudServerExtensions
{
    /// <summary>The fraud flow's queue driver: a pump on <c>fraud-steps</c> (unless the pump is off).</summary>
    public static IServiceCollection AddMeliFraudDriver(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<FraudStepDriver>();
        if (configuration.GetValue("Server:PumpEnabled", true))
        {
            // Not AddHostedService: it adds one service per implementation type, and the notifications pump is a QueuePump too.
            services.AddSingleton<IHostedService>(sp => new QueuePump(
                StorageNames.FraudStepsQueue,
                sp.GetRequiredService<StorageClients>(),
                (text, dequeueCount, ct) => sp.GetRequiredService<FraudStepDriver>().ProcessAsync(text, dequeueCount, ct),
                sp.GetRequiredService<IOptions<QueueTriggerSettings>>().Value,
                sp.GetRequiredService<PoisonQueue>(),
                sp.GetRequiredService<ILogger<QueuePump>>()));
        }

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
