using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using MeliFunctions.MercadoLibre;
using MeliFunctions.MercadoLibre.Budget;
using MeliFunctions.Testing;
using MeliFunctions.Tests.Infrastructure;
using MeliFunctions.Tests.Sweeps;
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
        // In any second: the rate plus the one saved token is 6 tokens; the sandbox stamps each call when it
        // arrives, and a call that took its token earlier can arrive late next to the following ones, so
        // arrivals may show one more. Never past MeLi's quota of 7, which the no-429 check above holds too.
        Assert.InRange(CallRate.PeakInAnySecond(calls.Select(c => c.Time)), 1, 7);
        await world.Admin.SetFaultsAsync(new JsonObject { ["seller_id"] = seller });
    }

    [Fact]
    public async Task A_live_sale_during_a_backfill_goes_ahead_of_it_in_the_sellers_budget()
    {
        var seller = (await world.Admin.CreateSellerAsync("VENTA_EN_VIVO")).Id;
        await world.Admin.SetFaultsAsync(new JsonObject { ["seller_id"] = seller, ["quota_per_second"] = 7 });
        var past = await world.CreateOrdersAsync(seller, 100, notify: false);

        // Connecting starts the backfill: a hundred orders at background priority, a shipment read each (20 s at 5 a second).
        await world.ConnectExistingSellerAsync(seller);
        await world.EventuallyAsync(() => world.StoredOrdersAsync(seller), rows => rows.Count >= 1, "the backfill under way", TimeSpan.FromSeconds(60));
        var item = await world.Admin.CreateItemAsync(seller, "Parlante Bluetooth", 52000m, 5);
        var sale = await world.Admin.CreateOrderAsync(seller, item.GetProperty("id").GetString()!);
        var live = sale.GetProperty("id").GetInt64();
        var liveShipment = $"/shipments/{sale.GetProperty("shipping").GetProperty("id").GetInt64()}";

        await world.WaitForStoredOrderAsync(live, o => o["_sync"]?["shipment"] is JsonObject, TimeSpan.FromSeconds(60));
        var storedWhenLiveLanded = (await world.StoredOrdersAsync(seller)).Keys.Count(past.Contains);
        await world.EventuallyAsync(() => world.BackfillProgressAsync(seller), p => p["state"]?.GetValue<string>() == "completed", "the backfill to end", TimeSpan.FromSeconds(120));
        await world.WaitUntilQuietAsync();

        var calls = (await world.Admin.GetRequestsAsync(sellerId: seller)).EnumerateArray()
            .Select(r => (Path: r.GetProperty("path").GetString()!, Status: r.GetProperty("status").GetInt32()))
            .ToList();
        var first = calls.FindIndex(c => c.Path == $"/orders/{live}");
        var last = calls.FindLastIndex(c => c.Path == liveShipment);
        Assert.True(first >= 0 && last > first, "the live sale's order and shipment were read");
        // Once the sale's sync began, the backfill got at most the one token it may already have held between its two calls.
        var backgroundBetween = calls.Skip(first + 1).Take(last - first - 1).Count(c => c.Path.StartsWith("/shipments/", StringComparison.Ordinal) && c.Path != liveShipment);
        Assert.InRange(backgroundBetween, 0, 1);
        Assert.True(storedWhenLiveLanded < 100, "the sale was stored while the backfill was still running");
        Assert.DoesNotContain(calls, c => c.Status == 429);
        Assert.Equal(100, (await world.StoredOrdersAsync(seller)).Keys.Count(past.Contains));
        await world.Admin.SetFaultsAsync(new JsonObject { ["seller_id"] = seller });
    }
}
