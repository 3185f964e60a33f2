using System.Globalization;
using System.Text.Json.Nodes;

namespace MeliFunctions.Tests.Sweeps;

/// <summary>A new seller's past orders come in through the backfill, which survives a crash.</summary>
public sealed class BackfillTests(SweepWorld world) : IClassFixture<SweepWorld>
{
    [Fact]
    public async Task Backfill_of_1000_orders_with_a_crash_half_way_completes_with_each_order_once()
    {
        var seller = (await world.Admin.CreateSellerAsync("IMPORTA_MIL")).Id;
        var orders = await world.CreateOrdersAsync(seller, 1000, notify: false);

        // The backfill that starts on connect crashes after queueing page 10 (of 20), before its cursor moves.
        var crashed = 0;
        world.Hooks.OnStep = step =>
        {
            if (step.SellerId == seller.ToString(CultureInfo.InvariantCulture) && step is { Kind: "backfill", Page: 10, Point: "page_done" } && Interlocked.Exchange(ref crashed, 1) == 0)
            {
                throw new SimulatedCrashException("crash half way through the backfill");
            }

            return ValueTask.CompletedTask;
        };
        try
        {
            await world.ConnectExistingSellerAsync(seller);
            var failed = await world.EventuallyAsync(() => world.BackfillProgressAsync(seller), p => p["state"]?.GetValue<string>() == "failed", "the backfill to crash", TimeSpan.FromSeconds(120));
            Assert.Equal(10, failed["pages_done"]!.GetValue<int>());
            Assert.Equal(500, failed["offset"]!.GetValue<int>());
            Assert.Equal(1000, failed["total"]!.GetValue<int>());
            await world.WaitForEmptyQueueAsync();

            var response = await world.Server.Management.PostAsync($"api/admin/backfill/{seller}?wait=true", null);
            var done = JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
            Assert.True(response.IsSuccessStatusCode, done.ToJsonString());
            Assert.Equal("completed", done["state"]!.GetValue<string>());
            Assert.Equal(20, done["pages_done"]!.GetValue<int>());
            Assert.Equal(1000, done["orders_seen"]!.GetValue<int>());
            Assert.Equal(100.0, done["percent"]!.GetValue<double>());
            // Pages 0 to 9 and 11 to 19 queued once; page 10 was queued before the crash and found stored after it.
            Assert.Equal(950, done["orders_queued"]!.GetValue<int>());
            Assert.Equal(950, done["orders_stored_from_page"]!.GetValue<int>());
            await world.WaitForEmptyQueueAsync();
        }
        finally
        {
            world.Hooks.OnStep = null;
        }

        var stored = await world.StoredOrdersAsync(seller);
        Assert.Equal(orders.Order(), stored.Keys.Order());
        Assert.All(stored.Values, row => Assert.Equal(1, row.Version));
        // Stored from the search pages: no order GET, each shipment read once.
        Assert.Empty(await world.OrderGetCountsAsync(seller));
        var reqs = (await world.Admin.GetRequestsAsync("GET", "/shipments/", seller)).EnumerateArray().Select(r => (Path: r.GetProperty("path").GetString()!, Time: r.GetProperty("time").GetString(), Seq: r.GetProperty("sequence").GetInt64(), Status: r.GetProperty("status").GetInt32())).ToList();
        var dups = reqs.GroupBy(r => r.Path).Where(g => g.Count() > 1).SelectMany(g => g).ToList();
        Assert.True(reqs.Count == 1000, string.Join("\n", dups.Select(d => $"{d.Seq} {d.Time} {d.Status} {d.Path}")));
        var searches = await world.SearchesAsync(seller);
        Assert.Single(searches, s => s.Query.Contains("offset=0&", StringComparison.Ordinal));
        Assert.Equal(2, searches.Count(s => s.Query.Contains("offset=500&", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Backfill_on_demand_answers_202_and_its_progress_is_readable()
    {
        var seller = (await world.Admin.CreateSellerAsync("IMPORTA_PEDIDO")).Id;
        var orders = await world.CreateOrdersAsync(seller, 12, notify: false);
        await world.ConnectExistingSellerAsync(seller);
        var first = await world.EventuallyAsync(() => world.BackfillProgressAsync(seller), p => p["state"]?.GetValue<string>() == "completed", "the first backfill");
        Assert.Equal(12, first["orders_queued"]!.GetValue<int>());
        await world.WaitForEmptyQueueAsync();

        var response = await world.Server.Management.PostAsync($"api/admin/backfill/{seller}", null);
        Assert.Equal(System.Net.HttpStatusCode.Accepted, response.StatusCode);
        var again = await world.EventuallyAsync(
            () => world.BackfillProgressAsync(seller),
            p => p["state"]?.GetValue<string>() == "completed" && p["started_at"]!.GetValue<DateTimeOffset>() > first["started_at"]!.GetValue<DateTimeOffset>(),
            "the second backfill");
        // Everything was stored by the first one: the second only reads pages.
        Assert.Equal(0, again["orders_queued"]!.GetValue<int>());
        Assert.Equal(12, again["orders_seen"]!.GetValue<int>());
        Assert.Equal(orders.Count, (await world.StoredOrdersAsync(seller)).Count);
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await world.Server.Management.GetAsync("api/admin/backfill/999999992")).StatusCode);
    }
}
