using MeliFunctions.Fraud;
using MeliFunctions.MercadoLibre;
using MeliFunctions.MercadoLibre.Budget;
using MeliFunctions.MercadoLibre.OAuth;
using MeliFunctions.Notifications;
using MeliFunctions.Orders;
using MeliFunctions.Queueing;
using MeliFunctions.SellerActions;
using MeliFunctions.Stock;
using MeliFunctions.Storage;
using MeliFunctions.Sweeps;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;

namespace MeliFunctions.Hosting;

public static class MeliCoreServiceCollectionExtensions
{
    /// <summary>Everything Core offers, bound from configuration and validated at start. Both hosts call this.</summary>
    public static IServiceCollection AddMeliCore(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.AddOptions<MeliOptions>().Bind(configuration.GetSection(MeliOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<NotificationOptions>().Bind(configuration.GetSection(NotificationOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<OAuthOptions>().Bind(configuration.GetSection(OAuthOptions.Section));
        services.AddOptions<QueueTriggerSettings>().Bind(configuration.GetSection(QueueTriggerSettings.Section));
        services.AddOptions<RetryOptions>().Bind(configuration.GetSection(RetryOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<RetryOptions>, RetryOptionsValidator>();
        services.AddOptions<OrderSyncOptions>().Bind(configuration.GetSection(OrderSyncOptions.Section));
        services.AddOptions<TokenOptions>().Bind(configuration.GetSection(TokenOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<TokenOptions>, TokenOptionsValidation>();
        services.AddOptions<OrderSearchOptions>().Bind(configuration.GetSection(OrderSearchOptions.Section)).ValidateDataAnnotations().ValidateOnStart();

        services.AddSingleton(sp => new StorageClients(configuration));
        services.AddSingleton<StorageInitializer>();
        services.AddSingleton<MeliMetrics>();
        services.AddSingleton<PoisonQueue>();

        services.AddHttpClient(MeliOAuthClient.HttpClientName, (sp, client) =>
        {
            ConfigureMeliClient(sp, client);
            // One attempt, never retried, and over well before the refresh lease ends: a slow grant must
            // not outlive the lease, or another worker would send the same single-use refresh token.
            var meli = sp.GetRequiredService<IOptions<MeliOptions>>().Value;
            client.Timeout = TimeSpan.FromTicks(Math.Min(meli.RequestTimeout.Ticks, MeliTokenProvider.RefreshLease.Ticks / 3));
        });
        services.AddHttpClient(MeliApiClient.HttpClientName, ConfigureMeliClient)
            .AddResilienceHandler("meli", (pipeline, context) =>
            {
                var meli = context.ServiceProvider.GetRequiredService<IOptions<MeliOptions>>().Value;
                pipeline.AddRetry(new HttpRetryStrategyOptions
                {
                    MaxRetryAttempts = 3,
                    BackoffType = DelayBackoffType.Exponential,
                    UseJitter = true,
                    Delay = TimeSpan.FromMilliseconds(300),
                    // Only idempotent calls are retried here; a POST (feedback, notes) is retried by its flow,
                    // after checking Mercado Libre. The method is read from the request: when an attempt timed
                    // out there is no response to read it from (dotnet/extensions#6548).
                    ShouldHandle = args => ValueTask.FromResult(
                        IsIdempotent(args.Context.GetRequestMessage()?.Method ?? args.Outcome.Result?.RequestMessage?.Method) &&
                        HttpClientResiliencePredicates.IsTransient(args.Outcome)),
                });
                // Every attempt waits for its seller's budget; the wait is not part of the attempt's timeout.
                var budget = context.ServiceProvider.GetRequiredService<MeliRequestBudget>();
                pipeline.AddStrategy(_ => new MeliBudgetStrategy(budget), new MeliBudgetStrategyOptions());
                pipeline.AddTimeout(meli.RequestTimeout);
            });

        services.AddSingleton<TokenSealer>();
        services.AddSingleton<SellerAccounts>();
        services.AddSingleton<MeliOAuthClient>();
        services.AddSingleton<MeliTokenProvider>();
        services.AddSingleton<MeliRequestBudget>();
        services.AddSingleton<MeliApiClient>();
        services.AddSingleton<Invites>();
        services.AddSingleton<OAuthFlow>();

        services.AddSingleton<NotificationIntake>();
        services.AddSingleton<OrderStore>();
        services.AddSingleton<OrderLocks>();
        services.AddSingleton<ShipmentReads>();
        services.AddSingleton<UnavailableOrders>();
        services.AddSingleton<OrderShippingReader>();
        services.AddSingleton<OrderSync>();
        services.AddSingleton<IOrderChangeObserver, OrderDiscountsObserver>();
        services.AddSingleton<OrdersApi>();
        services.AddSingleton<NotificationProcessor>();
        services.AddSingleton<SellerHealthReport>();
        services.AddMeliHealthChecks();
        services.AddMeliStock(configuration);
        services.AddMeliSweeps(configuration);
        services.AddMeliFraud(configuration);
        services.AddMeliSellerActions(configuration);
        Operations.OperationsServiceCollectionExtensions.AddMeliOperations(services);
        return services;
    }

    private sealed class RetryOptionsValidator : IValidateOptions<RetryOptions>
    {
        public ValidateOptionsResult Validate(string? name, RetryOptions options) =>
            options.Validate() is { } problem ? ValidateOptionsResult.Fail(problem) : ValidateOptionsResult.Success;
    }

    /// <summary>
    /// Methods a retry cannot turn into a second effect. Unknown (no request in the context) counts
    /// as not idempotent: never retried blindly.
    /// </summary>
    internal static bool IsIdempotent(HttpMethod? method) =>
        method is not null && (method == HttpMethod.Get || method == HttpMethod.Head || method == HttpMethod.Put ||
                               method == HttpMethod.Delete || method == HttpMethod.Options);

    private static void ConfigureMeliClient(IServiceProvider services, HttpClient client)
    {
        var meli = services.GetRequiredService<IOptions<MeliOptions>>().Value;
        client.BaseAddress = meli.ApiBaseUrl;
        // The resilience handler owns the per-attempt timeout; this is the overall ceiling.
        client.Timeout = TimeSpan.FromSeconds(meli.RequestTimeout.TotalSeconds * 5);
        client.DefaultRequestHeaders.UserAgent.ParseAdd("MeliFunctions/1.0");
    }
}
