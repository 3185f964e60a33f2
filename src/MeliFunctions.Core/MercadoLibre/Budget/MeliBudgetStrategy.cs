using System.Net;
using Polly;

namespace MeliFunctions.MercadoLibre.Budget;

/// <summary>
/// A step of the <c>meli</c> client's resilience pipeline, between the retry and the per-attempt
/// timeout, so every attempt (a retry too) waits for a token of its seller (<see cref="SellerKey"/>,
/// set by <see cref="MeliApiClient"/>) at the current scope's priority, and the wait is not counted
/// against the attempt's timeout. It counts the call in the scope and tells the budget about a 429.
/// </summary>
public sealed class MeliBudgetStrategy(MeliRequestBudget budget) : ResilienceStrategy<HttpResponseMessage>
{
    /// <summary>The seller whose budget a request spends.</summary>
    public static readonly HttpRequestOptionsKey<string> SellerKey = new("meli.seller_id");

    protected override async ValueTask<Outcome<HttpResponseMessage>> ExecuteCore<TState>(
        Func<ResilienceContext, TState, ValueTask<Outcome<HttpResponseMessage>>> callback, ResilienceContext context, TState state)
    {
        var request = context.GetRequestMessage();
        if (request is null || !request.Options.TryGetValue(SellerKey, out var sellerId))
        {
            return await callback(context, state);
        }

        try
        {
            await budget.AcquireAsync(sellerId, MeliCallScope.CurrentPriority, context.CancellationToken);
        }
        catch (OperationCanceledException ex)
        {
            return Outcome.FromException<HttpResponseMessage>(ex);
        }

        MeliCallScope.CountCall();
        var outcome = await callback(context, state);
        if (outcome.Result?.StatusCode == HttpStatusCode.TooManyRequests)
        {
            budget.Throttled(sellerId);
        }

        return outcome;
    }
}

/// <summary>Options of <see cref="MeliBudgetStrategy"/> (the budget's settings are in <see cref="MeliOptions"/>).</summary>
public sealed class MeliBudgetStrategyOptions : ResilienceStrategyOptions
{
    public MeliBudgetStrategyOptions()
    {
        Name = "meli-budget";
    }
}
