using MeliFunctions.Orders;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace MeliFunctions.Fraud;

public static class FraudServiceCollectionExtensions
{
    /// <summary>The fraud flow: options (validated at start), the case store, the steps, and the order observer (first of all observers).</summary>
    public static IServiceCollection AddMeliFraud(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<FraudOptions>().Bind(configuration.GetSection(FraudOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<FraudOptions>, FraudOptionsValidator>();
        services.AddSingleton<FraudCaseStore>();
        services.AddSingleton<FraudSteps>();
        services.AddSingleton<FraudCaseRunner>();
        services.AddSingleton<FraudCasesApi>();
        services.TryAddSingleton<IFraudFlowStarter, QueueFraudFlowStarter>();
        // First among the observers, wherever other slices register theirs: the hold comes before anything else.
        services.Insert(0, ServiceDescriptor.Singleton<IOrderChangeObserver, FraudOrderObserver>());
        return services;
    }

    private sealed class FraudOptionsValidator : IValidateOptions<FraudOptions>
    {
        public ValidateOptionsResult Validate(string? name, FraudOptions options) =>
            options.Validate() is { } problem ? ValidateOptionsResult.Fail(problem) : ValidateOptionsResult.Success;
    }
}
