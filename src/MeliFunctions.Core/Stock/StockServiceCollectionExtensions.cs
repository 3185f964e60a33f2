using MeliFunctions.Orders;
using MeliFunctions.Scheduling;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace MeliFunctions.Stock;

public static class StockServiceCollectionExtensions
{
    /// <summary>The ledger, the order effects (an order change observer), the reconcile job and the item notification handler.</summary>
    public static IServiceCollection AddMeliStock(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<StockOptions>().Bind(configuration.GetSection(StockOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<StockLedger>();
        services.AddSingleton<StockEffectStore>();
        services.AddSingleton<OrderStockEffects>();
        services.AddSingleton<IOrderStockEffects>(sp => sp.GetRequiredService<OrderStockEffects>());
        services.AddSingleton<IOrderChangeObserver, StockOrderObserver>();
        services.AddSingleton<ReconcileReportStore>();
        services.AddSingleton<RecentStockPushes>();
        services.AddSingleton<StockReconciler>();
        services.AddSingleton<StockApi>();
        services.AddSingleton<StockReconcileJob>();
        services.AddSingleton<IScheduledJob>(sp => sp.GetRequiredService<StockReconcileJob>());
        services.AddSingleton<IItemChangeHandler, StockItemChangeHandler>();
        return services;
    }
}
