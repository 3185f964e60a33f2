using MeliFunctions.Orders;
using Microsoft.Extensions.DependencyInjection;

namespace MeliFunctions.Operations;

public static class OperationsServiceCollectionExtensions
{
    /// <summary>The orders search, the operators' reads and actions, and the queue gauges.</summary>
    public static IServiceCollection AddMeliOperations(this IServiceCollection services)
    {
        services.AddSingleton<OrderSearchIndex>();
        services.AddSingleton<OrderSearch>();
        services.AddSingleton<PoisonAdmin>();
        services.AddSingleton<OperationsOverview>();
        services.AddSingleton<QueueAgeGauge>();
        services.AddHostedService(sp => sp.GetRequiredService<QueueAgeGauge>());
        return services;
    }
}
