using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using MeliFunctions.MercadoLibre;
using MeliFunctions.MercadoLibre.Budget;
using MeliFunctions.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace MeliFunctions.Tests.MercadoLibre;

/// <summary>The per-seller request budget alone: priorities and the rate after a 429.</summary>
public sealed class RequestBudgetTests
{
    [Fact]
    public async Task Queued_background_calls_yield_to_a_seller_action_and_a_live_sync_that_arrive_later()
    {
        using var bucket = new PriorityTokenBucket(perSecond: 20, burst: 1);
        await bucket.AcquireAsync(MeliPriority.Background, CancellationToken.None);

        var served = new List<string>();
        var waits = new List<Task>();
        void Queue(string name, MeliPriority priority) =>
            waits.Add(bucket.AcquireAsync(priority, CancellationToken.None).ContinueWith(_ =>
            {
                lock (served)
                {
                    served.Add(name);
                }
            }, TaskScheduler.Default));

        for (var i = 1; i <= 5; i++)
        {
            Queue($"background {i}", MeliPriority.Background);
        }

        Queue("seller action", MeliPriority.SellerAction);
        Queue("live", MeliPriority.Live);
        await Task.WhenAll(waits).WaitAsync(TimeSpan.FromSeconds(30));

        // The first background call may already hold the next token; after it, the most urgent go first.
        var order = served.SkipWhile(s => s == "background 1").ToList();
        Assert.Equal(["live", "seller action"], order.Take(2));
        Assert.Equal(served.Where(s => s.StartsWith("background", StringComparison.Ordinal)).Order(StringComparer.Ordinal), served.Where(s => s.StartsWith("background", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_cancelled_wait_gives_its_turn_to_the_next_caller()
    {
        using var bucket = new PriorityTokenBucket(perSecond: 10, burst: 1);
        await bucket.AcquireAsync(MeliPriority.Live, CancellationToken.None);
        using var cancel = new CancellationTokenSource();
        var cancelled = bucket.AcquireAsync(MeliPriority.Live, cancel.Token);
        var next = bucket.AcquireAsync(MeliPriority.Background, CancellationToken.None);
        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        await next.WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task A_429_halves_the_sellers_rate_once_per_second_and_it_climbs_back_without_429s()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 3, 10, 12, 0, 0, TimeSpan.Zero));
        var options = Options.Create(new MeliOptions
        {
            RequestsPerSecondPerSeller = 10,
            MinRequestsPerSecondPerSeller = 2,
            RateRecoveryInterval = TimeSpan.FromSeconds(10),
        });
        using var budget = new MeliRequestBudget(options, clock, NullLogger<MeliRequestBudget>.Instance);
        await budget.AcquireAsync("1", MeliPriority.Live, CancellationToken.None);
        Assert.Equal(10, budget.RateOf("1"));

        budget.Throttled("1");
        budget.Throttled("1");
        Assert.Equal(5, budget.RateOf("1"));
        clock.Advance(TimeSpan.FromSeconds(2));
        budget.Throttled("1");
        Assert.Equal(2.5, budget.RateOf("1"));
        clock.Advance(TimeSpan.FromSeconds(2));
        budget.Throttled("1");
        Assert.Equal(2, budget.RateOf("1"));
        Assert.Equal(10, budget.RateOf("2"));

        // Each interval without a 429 gives back a tenth of the configured rate.
        clock.Advance(TimeSpan.FromSeconds(10));
        await budget.AcquireAsync("1", MeliPriority.Live, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(3, budget.RateOf("1"), 6);
        clock.Advance(TimeSpan.FromSeconds(100));
        await budget.AcquireAsync("1", MeliPriority.Live, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(10, budget.RateOf("1"));
    }

    [Fact]
    public void Each_instance_takes_its_share_of_the_sellers_rate()
    {
        var options = Options.Create(new MeliOptions { RequestsPerSecondPerSeller = 5, BudgetInstances = 4 });
        using var budget = new MeliRequestBudget(options, TimeProvider.System, NullLogger<MeliRequestBudget>.Instance);
        Assert.Equal(1.25, budget.SellerRate);
        Assert.Equal(1.25, budget.RateOf("240003832"));
    }
}

/// <summary>A world whose Server holds each seller to Mercado Libre's default budget: 5 requests a second, a burst of 1.</summary>
public sealed class BudgetWorld() : MeliWorld(new Dictionary<string, string?>
{
    ["Meli:RequestsPerSecondPerSeller"] = "5",
    ["Meli:BurstPerSeller"] = "1",
});

/// <summary>The budget against the sandbox's per-seller quota (MeLi refuses from about 7 requests in a second).</summary>
public sealed class RequestBudgetQuotaTests(BudgetWorld world) : IClassFixture<BudgetWorld>
{
    [Fact]
    public async Task Twenty_sales_at_once_stay_within_the_budget_and_the_quota_never_answers_429()
    {
        var seller = await world.ConnectSellerAsync("PRESUPUESTO");
        await world.Admin.SetFaultsAsync(new JsonObject { ["seller_id"] = seller, ["quota_per_second"] = 7 });
        var item = await world.Admin.CreateItemAsync(seller, "Termo Acero 1L", 32000m, 100);
        var itemId = item.GetProperty("id").GetString()!;

        // Twenty sales in a burst: about eighty notifications, and an order sync, stock effects and shipment reads for each.
        var orders = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => world.Admin.CreateOrderAsync(seller, itemId)));
        foreach (var order in orders)
        {
            await world.WaitForStoredOrderAsync(order.GetProperty("id").GetInt64(), o => o["_sync"]?["total_amount_with_shipping"] is not null, TimeSpan.FromSeconds(120));
        }

        await world.WaitUntilQuietAsync();
        var calls = (await world.Admin.GetRequestsAsync(sellerId: seller)).EnumerateArray()
            .Select(r => (Status: r.GetProperty("status").GetInt32(), Time: DateTimeOffset.Parse(r.GetProperty("time").GetString()!, CultureInfo.InvariantCulture), Path: r.GetProperty("path").GetString()))
            .ToList();
        Assert.True(calls.Count >= 40, $"expected the burst to need at least 40 calls, saw {calls.Count}");
        Assert.True(!calls.Any(c => c.Status == 429), string.Join("\n", calls.Select(c => $"{c.Time:HH:mm:ss.fff} {c.Status} {c.Path}")));
        // In any second: at most the rate plus the one saved token (the sandbox's clock stamps each call).
        Assert.InRange(PeakInAnySecond(calls.Select(c => c.Time)), 1, 6);
        await world.Admin.SetFaultsAsync(new JsonObject { ["seller_id"] = seller });
    }

    /// <summary>The most calls whose times fall within one second of each other.</summary>
    internal static int PeakInAnySecond(IEnumerable<DateTimeOffset> times)
    {
        var sorted = times.Order().ToList();
        var peak = 0;
        for (int start = 0, end = 0; end < sorted.Count; end++)
        {
            while (sorted[end] - sorted[start] >= TimeSpan.FromSeconds(1))
            {
                start++;
            }

            peak = Math.Max(peak, end - start + 1);
        }

        return peak;
    }
}
