using MeliFunctions.MercadoLibre.OAuth;
using MeliFunctions.Scheduling;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace MeliFunctions.Sweeps;

public static class SweepServiceCollectionExtensions
{
    /// <summary>The pending sweep (a timer job), the backfill (started when a seller connects) and their routes' Core.</summary>
    public static IServiceCollection AddMeliSweeps(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SweepOptions>().Bind(configuration.GetSection(SweepOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton<ISweepHooks, NoSweepHooks>();
        services.AddSingleton<SweepStateStore>();
        services.AddSingleton<OrderPages>();
        services.AddSingleton<PendingSweep>();
        services.AddSingleton<MissedFeedsReplay>();
        services.AddSingleton<Backfill>();
        services.AddSingleton<SweepRunner>();
        services.AddSingleton<SweepApi>();
        services.AddSingleton<IScheduledJob>(sp => sp.GetRequiredService<SweepRunner>());
        services.AddSingleton<ISellerConnectedObserver>(sp => sp.GetRequiredService<SweepRunner>());
        return services;
    }
}
