using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MeliFunctions.MercadoLibre.Budget;

/// <summary>
/// One request budget per seller, for every caller: each request to Mercado Libre (every attempt,
/// retries included) first takes a token from the seller's <see cref="PriorityTokenBucket"/>, and
/// from the app-wide one when <see cref="MeliOptions.AppRequestsPerSecond"/> is set. This instance
/// takes its share, 1/<see cref="MeliOptions.BudgetInstances"/>, of each rate.
/// </summary>
/// <remarks>
/// A 429 halves that seller's rate (at most once a second, never below
/// <see cref="MeliOptions.MinRequestsPerSecondPerSeller"/>) and empties its bucket; every
/// <see cref="MeliOptions.RateRecoveryInterval"/> without a 429 the rate climbs back by a tenth of the
/// configured one (additive increase, multiplicative decrease).
/// </remarks>
public sealed class MeliRequestBudget : IDisposable
{
    private readonly ConcurrentDictionary<string, SellerBudget> _sellers = new();
    private readonly IOptions<MeliOptions> _options;
    private readonly TimeProvider _time;
    private readonly ILogger<MeliRequestBudget> _logger;
    private readonly PriorityTokenBucket? _app;

    public MeliRequestBudget(IOptions<MeliOptions> options, TimeProvider time, ILogger<MeliRequestBudget> logger)
    {
        _options = options;
        _time = time;
        _logger = logger;
        var o = options.Value;
        if (o.AppRequestsPerSecond > 0)
        {
            _app = new PriorityTokenBucket(o.AppRequestsPerSecond / o.BudgetInstances, Burst(o.BurstPerSeller, o.BudgetInstances));
        }
    }

    /// <summary>This instance's share of a seller's configured rate.</summary>
    public double SellerRate => _options.Value.RequestsPerSecondPerSeller / _options.Value.BudgetInstances;

    /// <summary>Waits for the seller's next token (and the app's), at the caller's priority.</summary>
    public async Task AcquireAsync(string sellerId, MeliPriority priority, CancellationToken cancellationToken)
    {
        var seller = _sellers.GetOrAdd(sellerId, id => new SellerBudget(id, this));
        seller.Recover(_time.GetUtcNow());
        await seller.Bucket.AcquireAsync(priority, cancellationToken);
        if (_app is not null)
        {
            await _app.AcquireAsync(priority, cancellationToken);
        }
    }

    /// <summary>Mercado Libre answered 429 to this seller: lower its rate for a while.</summary>
    public void Throttled(string sellerId)
    {
        var seller = _sellers.GetOrAdd(sellerId, id => new SellerBudget(id, this));
        seller.Throttled(_time.GetUtcNow());
    }

    /// <summary>The seller's current rate for this instance (the configured share, or less after a 429).</summary>
    public double RateOf(string sellerId) => _sellers.TryGetValue(sellerId, out var seller) ? seller.Bucket.PerSecond : SellerRate;

    public void Dispose()
    {
        foreach (var seller in _sellers.Values)
        {
            seller.Bucket.Dispose();
        }

        _app?.Dispose();
    }

    private static int Burst(int configured, double instances) => Math.Max(1, (int)Math.Floor(configured / instances));

    private sealed class SellerBudget
    {
        private readonly object _sync = new();
        private readonly string _sellerId;
        private readonly MeliRequestBudget _owner;
        private DateTimeOffset _lastChange = DateTimeOffset.MinValue;
        private DateTimeOffset _lastThrottle = DateTimeOffset.MinValue;

        public SellerBudget(string sellerId, MeliRequestBudget owner)
        {
            _sellerId = sellerId;
            _owner = owner;
            var o = owner._options.Value;
            Bucket = new PriorityTokenBucket(owner.SellerRate, Burst(o.BurstPerSeller, o.BudgetInstances));
        }

        public PriorityTokenBucket Bucket { get; }

        public void Throttled(DateTimeOffset now)
        {
            var o = _owner._options.Value;
            lock (_sync)
            {
                if (now - _lastThrottle < TimeSpan.FromSeconds(1))
                {
                    // Calls in flight when the first 429 came back: one decrease is enough.
                    return;
                }

                _lastThrottle = now;
                _lastChange = now;
                var lowered = Math.Max(o.MinRequestsPerSecondPerSeller / o.BudgetInstances, Bucket.PerSecond / 2);
                Bucket.SetRate(lowered, emptyBucket: true);
                _owner._logger.LogWarning("Mercado Libre answered 429 for seller {SellerId}: its request rate is lowered to {Rate:0.##}/s on this instance", _sellerId, lowered);
            }
        }

        public void Recover(DateTimeOffset now)
        {
            var full = _owner.SellerRate;
            if (Bucket.PerSecond >= full)
            {
                return;
            }

            var o = _owner._options.Value;
            lock (_sync)
            {
                if (Bucket.PerSecond >= full || now - _lastChange < o.RateRecoveryInterval)
                {
                    return;
                }

                var steps = (int)Math.Floor((now - _lastChange) / o.RateRecoveryInterval);
                var raised = Math.Min(full, Bucket.PerSecond + (steps * full / 10));
                _lastChange = now;
                Bucket.SetRate(raised, emptyBucket: false);
                _owner._logger.LogInformation("Seller {SellerId}: request rate back up to {Rate:0.##}/s on this instance", _sellerId, raised);
            }
        }
    }
}
