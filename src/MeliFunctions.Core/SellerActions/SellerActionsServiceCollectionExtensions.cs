using MeliFunctions.Orders;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace MeliFunctions.SellerActions;

public static class SellerActionsServiceCollectionExtensions
{
    /// <summary>The seller action routes, the idempotent runner, the order history section and the automatic feedback observer.</summary>
    public static IServiceCollection AddMeliSellerActions(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SellerActionsOptions>().Bind(configuration.GetSection(SellerActionsOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<ActionRecordStore>();
        services.AddSingleton<SellerActionRunner>();
        services.AddSingleton<SellerActionsApi>();
        services.AddSingleton<IOrderApiSection, OrderActionsSection>();
        services.AddSingleton<IOrderChangeObserver, AutoFeedbackObserver>();
        return services;
    }
}
