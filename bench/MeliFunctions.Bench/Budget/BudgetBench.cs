using System.Collections.Concurrent;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using MeliFunctions.Stock;
using MeliFunctions.Storage;
using MeliFunctions.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace MeliFunctions.Bench.Budget;

/// <summary>
/// The request budget and the calls per change, with the default budget (5 requests a second per
/// seller, a burst of 1): (a) live orders notified five times, then shipment changes, calls against the
/// floor; (b) everything at once under the sandbox's 7-a-second quota: a backfill, a reconcile, a sweep
/// and live orders at one a second; (c) a backfill alone, calls per order.
/// </summary>
public static class BudgetBench
{
    private const string Heading = "Request budget and calls per change";

    public static Command Command()
    {
        var liveOrders = Cli.Valued("--live-orders", 50, "(a) orders each notified 5 times, then print-label, ship and deliver each");
        var backfillOrders = Cli.Valued("--backfill-orders", 1_000, "(b) orders of the backfill run with everything else at once");
        var listings = Cli.Valued("--listings", 500, "(b) listings of the reconcile run with everything else at once");
        var liveSeconds = Cli.Valued("--live-seconds", 60, "(b) seconds of live orders, one a second, meanwhile");
        var quota = Cli.Valued("--quota", 7, "(b) the sandbox's per-seller quota, requests a second");
        var aloneOrders = Cli.Valued("--alone-orders", 1_000, "(c) orders of a backfill alone");
        var noDocs = Cli.NoDocs();
        var command = new Command("budget", "the request budget and calls per change; the budget is the product's default (Meli__RequestsPerSecondPerSeller 5, Meli__BurstPerSeller 1)")
        {
            liveOrders, backfillOrders, listings, liveSeconds, quota, aloneOrders, noDocs,
        };
        command.SetAction((result, _) => RunAsync(
            result.GetValue(liveOrders), result.GetValue(backfillOrders), result.GetValue(listings), result.GetValue(liveSeconds),
            result.GetValue(quota), result.GetValue(aloneOrders), !result.GetValue(noDocs), Cli.Reproduce(result)));
        return command;
    }

    private static async Task<int> RunAsync(int liveOrders, int backfillOrders, int listings, int liveSeconds, int quota, int aloneOrders, bool writeDocs, string command)
    {
        var date = DateTime.UtcNow;
        var loadBefore = Bench.LoadAverage();
        Console.WriteLine($"{date:yyyy-MM-dd HH:mm:ss} UTC, load average {loadBefore}");
        await using var world = await Loopback.StartAsync(new Dictionary<string, string?>());

        var live = await LiveAsync(world, liveOrders);
        var all = await EverythingAsync(world, backfillOrders, listings, liveSeconds, quota);
        var alone = await BackfillAloneAsync(world, aloneOrders);
        var loadAfter = Bench.LoadAverage();
        Console.WriteLine($"Load average at start {loadBefore}, at end {loadAfter}");

        if (writeDocs)
        {
            var s = new StringBuilder();
            s.AppendLine($"Measured {date:yyyy-MM-dd HH:mm} UTC.").AppendLine();
            s.AppendLine(BenchDocs.MachineLine(loadBefore, loadAfter));
            s.AppendLine().AppendLine("Method:").AppendLine();
            s.AppendLine("- `bench/MeliFunctions.Bench/Budget/BudgetBench.cs`: Azurite in memory (its own process), the MeLi sandbox and the Server (`MeliServer.Build`, queue pump on, timers off, default settings: 5 requests a second per seller, a burst of 1) in the bench's process, on loopback. Calls are the sandbox's request log of the seller (`GET /_sandbox/requests`), stamped when each call arrived.");
            s.AppendLine($"- (a) Live: {liveOrders} `paid` Mercado Envios orders, the sandbox sending every notification 5 times (`duplicate_notifications: 4`); once quiet, `print-label` on each (a shipment change only), then `ship`, then `deliver` (each a change of the shipment and of the order), waiting until quiet after each round. Floor: one order GET per order change (creation, ship, deliver: 3 per order) and one shipment GET per shipment change (creation, label, ship, deliver: 4 per order).");
            s.AppendLine($"- (b) Everything at once for one seller with the sandbox's quota at {quota} requests in any second (`quota_per_second`): {listings} tracked listings (10% off by 10 units), {backfillOrders:N0} past orders created silently; then at once a backfill (`POST /api/admin/backfill`), a reconcile (`POST /api/admin/reconcile`), a sweep (`POST /api/admin/sweep`) and live orders at 1 a second for {liveSeconds} s. Live latency: from the sandbox's answer to the order's creation (it notifies at once) to `GET /api/orders/{{id}}` showing the order with its shipment (polled every 100 ms). Converged: every past and live order stored as the sandbox has it, the reconcile answered, the sweep completed, the queue empty.");
            s.AppendLine($"- (c) Backfill alone: a new seller, {aloneOrders:N0} orders created silently, `POST /api/admin/backfill/{{id}}?wait=true`, calls until quiet.");
            s.AppendLine();
            s.AppendLine("(a) Live, calls per change:").AppendLine();
            s.AppendLine("| orders | notifications delivered | order changes | shipment changes | order GETs | shipment GETs | other calls | calls per change | against the floor |");
            s.AppendLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
            s.AppendLine($"| {live.Orders} | {live.Notifications:N0} | {live.OrderChanges} | {live.ShipmentChanges} | {live.OrderGets} | {live.ShipmentGets} | {live.Other} ({live.OtherBreakdown}) | {live.PerChange:F3} | {live.AgainstFloor:+0.0%;-0.0%;0%} |");
            s.AppendLine($"\nBy round (order GETs / shipment GETs): {live.Rounds}.").AppendLine();
            s.AppendLine("(b) Everything at once:").AppendLine();
            s.AppendLine("| calls | peak calls in any second | 429s (all / after the first 10 s) | live orders | live latency p50 | p99 | max | converged after | calls by kind |");
            s.AppendLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
            s.AppendLine($"| {all.Calls:N0} | {all.Peak} | {all.Throttled} / {all.ThrottledSteady} | {all.LiveCount} | {all.P50:F2} s | {all.P99:F2} s | {all.Max:F2} s | {all.Converged} | {all.Breakdown} |");
            s.AppendLine($"\nReconcile report: {all.Reconcile}. Backfill: {all.Backfill}. Sweep: {all.Sweep}.").AppendLine();
            s.AppendLine("(c) Backfill alone:").AppendLine();
            s.AppendLine("| orders | pages | MeLi calls | calls per order | of which pages | run | orders / minute |");
            s.AppendLine("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
            s.AppendLine($"| {alone.Orders:N0} | {alone.Pages} | {alone.Calls:N0} ({alone.Breakdown}) | {alone.PerOrder:F3} | {(double)alone.Pages / alone.Orders:F3} | {alone.Run.TotalSeconds:F1} s | {alone.Orders / alone.Run.TotalMinutes:F0} |");
            s.AppendLine().AppendLine("```bash").AppendLine(command.TrimEnd()).AppendLine("```");
            BenchDocs.Write(Heading, s.ToString());
        }

        return 0;
    }

    private sealed record LiveResult(int Orders, int Notifications, int OrderChanges, int ShipmentChanges, int OrderGets, int ShipmentGets, int Other, string OtherBreakdown, string Rounds)
    {
        public int Floor => OrderChanges + ShipmentChanges;

        public double PerChange => (double)(OrderGets + ShipmentGets + Other) / Floor;

        public double AgainstFloor => ((double)(OrderGets + ShipmentGets + Other) / Floor) - 1;
    }

    private static async Task<LiveResult> LiveAsync(Loopback world, int count)
    {
        var seller = await world.ConnectSellerAsync("BENCH_EN_VIVO");
        await WaitForBackfillAsync(world, seller);
        await world.Admin.SetFaultsAsync(new JsonObject { ["seller_id"] = seller, ["duplicate_notifications"] = 4 });
        var start = await LastSequenceAsync(world);
        var notificationsBefore = (await world.Admin.GetNotificationsAsync()).GetArrayLength();
        var item = (await world.Admin.CreateItemAsync(seller, "Auriculares Inalambricos", 25000m, count + 10)).GetProperty("id").GetString()!;
        var orders = new List<long>();
        foreach (var batch in Enumerable.Range(0, count).Chunk(5))
        {
            var created = await Task.WhenAll(batch.Select(_ => world.Admin.CreateOrderAsync(seller, item)));
            orders.AddRange(created.Select(o => o.GetProperty("id").GetInt64()));
        }

        var rounds = new List<string>();
        await world.WaitUntilQuietAsync(TimeSpan.FromMinutes(20));
        rounds.Add(await RoundAsync(world, seller, start, "sale"));
        foreach (var action in new[] { "print-label", "ship", "deliver" })
        {
            var mark = await LastSequenceAsync(world);
            foreach (var id in orders)
            {
                await world.Admin.OrderActionAsync(id, action);
            }

            await world.WaitUntilQuietAsync(TimeSpan.FromMinutes(20));
            rounds.Add(await RoundAsync(world, seller, mark, action));
        }

        await world.Admin.SetFaultsAsync(new JsonObject { ["seller_id"] = seller });
        var calls = await CallsSinceAsync(world, seller, start);
        var notifications = (await world.Admin.GetNotificationsAsync()).GetArrayLength() - notificationsBefore;
        var orderGets = calls.ByKind.GetValueOrDefault("order GETs");
        var shipmentGets = calls.ByKind.GetValueOrDefault("shipment GETs");
        var other = calls.Total - orderGets - shipmentGets;
        var otherBreakdown = string.Join(", ", calls.ByKind.Where(k => k.Key is not "order GETs" and not "shipment GETs").Select(k => $"{k.Value} {k.Key}"));
        var result = new LiveResult(count, notifications, count * 3, count * 4, orderGets, shipmentGets, other, otherBreakdown.Length == 0 ? "none" : otherBreakdown, string.Join("; ", rounds));
        Console.WriteLine($"(a) live: {calls.Total} calls ({Breakdown(calls)}) for {result.Floor} changes: {result.PerChange:F3} per change ({result.AgainstFloor:+0.0%;-0.0%;0%} against the floor); rounds {result.Rounds}");
        return result;
    }

    private static async Task<string> RoundAsync(Loopback world, long seller, long mark, string name)
    {
        var calls = await CallsSinceAsync(world, seller, mark);
        return $"{name} {calls.ByKind.GetValueOrDefault("order GETs")} / {calls.ByKind.GetValueOrDefault("shipment GETs")}";
    }

    private sealed record EverythingResult(int Calls, int Peak, int Throttled, int ThrottledSteady, int LiveCount, double P50, double P99, double Max, string Converged, string Breakdown, string Reconcile, string Backfill, string Sweep);

    private static async Task<EverythingResult> EverythingAsync(Loopback world, int backfillOrders, int listings, int liveSeconds, int quota)
    {
        var seller = await world.ConnectSellerAsync("BENCH_TODO_JUNTO");
        await WaitForBackfillAsync(world, seller);
        var sellerId = seller.ToString(CultureInfo.InvariantCulture);
        var ledger = world.Services.GetRequiredService<StockLedger>();
        for (var i = 0; i < listings; i++)
        {
            var listing = (await world.Admin.CreateItemAsync(seller, $"Bench listing {i}", 100m, 50)).GetProperty("id").GetString()!;
            await ledger.SetAsync(sellerId, listing, null, i % 10 == 0 ? 40 : 50, "set", CancellationToken.None);
        }

        var item = (await world.Admin.CreateItemAsync(seller, "Remera Algodon Talle M", 4999.5m, backfillOrders + liveSeconds + 10)).GetProperty("id").GetString()!;
        var past = new List<long>();
        foreach (var batch in Enumerable.Range(0, backfillOrders).Chunk(8))
        {
            var created = await Task.WhenAll(batch.Select(_ => world.Admin.CreateOrderAsync(new JsonObject
            {
                ["seller_id"] = seller,
                ["items"] = new JsonArray(new JsonObject { ["item_id"] = item, ["quantity"] = 1 }),
                ["notify"] = false,
            })));
            past.AddRange(created.Select(o => o.GetProperty("id").GetInt64()));
        }

        await world.WaitUntilQuietAsync(TimeSpan.FromMinutes(5));
        await world.Admin.SetFaultsAsync(new JsonObject { ["seller_id"] = seller, ["quota_per_second"] = quota });
        var mark = await LastSequenceAsync(world);
        Console.WriteLine($"(b) {listings} listings, {backfillOrders} past orders; starting the backfill, the reconcile, the sweep and live orders at 1/s for {liveSeconds} s");
        var clock = Stopwatch.StartNew();
        var backfill = await Post(world, $"api/admin/backfill/{seller}");
        var reconcile = Post(world, $"api/admin/reconcile?seller={seller}");
        var sweep = JsonNode.Parse(await Post(world, $"api/admin/sweep?seller={seller}"))!["run_id"]!.GetValue<string>();

        var latencies = new ConcurrentBag<double>();
        var liveIds = new List<long>();
        var waits = new List<Task>();
        for (var i = 0; i < liveSeconds; i++)
        {
            var due = TimeSpan.FromSeconds(i);
            if (clock.Elapsed < due)
            {
                await Task.Delay(due - clock.Elapsed);
            }

            var created = await world.Admin.CreateOrderAsync(seller, item);
            var at = Stopwatch.GetTimestamp();
            var id = created.GetProperty("id").GetInt64();
            liveIds.Add(id);
            waits.Add(Task.Run(async () =>
            {
                while (true)
                {
                    var response = await world.Management.GetAsync($"api/orders/{id}");
                    if (response.IsSuccessStatusCode && JsonNode.Parse(await response.Content.ReadAsStringAsync())?["_sync"]?["shipment"] is JsonObject)
                    {
                        latencies.Add(Stopwatch.GetElapsedTime(at).TotalSeconds);
                        return;
                    }

                    await Task.Delay(100);
                }
            }));
        }

        await Task.WhenAll(waits);
        var reconcileReport = JsonNode.Parse(await reconcile)!["reports"]![0]!;
        JsonNode? sweepReport;
        do
        {
            await Task.Delay(500);
            sweepReport = JsonNode.Parse(await world.Management.GetStringAsync($"api/admin/sweep/{sweep}"));
        }
        while (sweepReport?["state"]?.GetValue<string>() == "running");

        var truth = new Dictionary<long, DateTimeOffset>();
        foreach (var id in past.Concat(liveIds))
        {
            truth[id] = DateTimeOffset.Parse((await world.Admin.GetOrderAsync(id)).GetProperty("last_updated").GetString()!, CultureInfo.InvariantCulture);
        }

        while (await BehindAsync(world, seller, truth) > 0 && clock.Elapsed < TimeSpan.FromMinutes(30))
        {
            await Task.Delay(500);
        }

        await world.WaitUntilQuietAsync(TimeSpan.FromMinutes(10));
        var converged = await BehindAsync(world, seller, truth) == 0 ? $"{clock.Elapsed.TotalSeconds:F0} s" : "not converged";
        var log = (await world.Admin.GetRequestsAsync(sellerId: seller)).EnumerateArray().Where(r => r.GetProperty("sequence").GetInt64() > mark).ToList();
        var times = log.Select(r => DateTimeOffset.Parse(r.GetProperty("time").GetString()!, CultureInfo.InvariantCulture)).ToList();
        var first = times.Count > 0 ? times.Min() : DateTimeOffset.UtcNow;
        var throttled = log.Where(r => r.GetProperty("status").GetInt32() == 429).ToList();
        var steady = throttled.Count(r => DateTimeOffset.Parse(r.GetProperty("time").GetString()!, CultureInfo.InvariantCulture) - first > TimeSpan.FromSeconds(10));
        var calls = await CallsSinceAsync(world, seller, mark);
        var sorted = latencies.Order().ToList();
        var backfillProgress = JsonNode.Parse(await world.Management.GetStringAsync($"api/admin/backfill/{seller}"))!;
        var result = new EverythingResult(
            log.Count, CallRate.PeakInAnySecond(times), throttled.Count, steady, sorted.Count,
            BenchDocs.Percentile(sorted, 50), BenchDocs.Percentile(sorted, 99), sorted.Count > 0 ? sorted[^1] : double.NaN,
            converged, Breakdown(calls),
            $"{reconcileReport["listings"]} listings, {reconcileReport["pushed"]} pushed, {reconcileReport["deferred"]} deferred, {reconcileReport["failed"]} failed, {reconcileReport["meli_calls"]} calls",
            $"{backfillProgress["state"]}, {backfillProgress["orders_seen"]} seen, {backfillProgress["orders_stored_from_page"]} stored from the page, {backfillProgress["orders_queued"]} brought up",
            $"{sweepReport?["state"]}, changed: {sweepReport?["sellers"]?[0]?["changed"]?.ToJsonString()}");
        await world.Admin.SetFaultsAsync(new JsonObject { ["seller_id"] = seller });
        Console.WriteLine($"(b) {result.Calls} calls, peak {result.Peak} in a second, {result.Throttled} 429s ({result.ThrottledSteady} after 10 s), live p50 {result.P50:F2} s p99 {result.P99:F2} s max {result.Max:F2} s, converged {result.Converged}; {result.Breakdown}");
        Console.WriteLine($"    reconcile: {result.Reconcile}; backfill: {result.Backfill}; sweep: {result.Sweep}");
        return result;
    }

    private sealed record AloneResult(int Orders, int Pages, int Calls, string Breakdown, TimeSpan Run)
    {
        public double PerOrder => (double)Calls / Orders;
    }

    private static async Task<AloneResult> BackfillAloneAsync(Loopback world, int count)
    {
        var seller = await world.ConnectSellerAsync("BENCH_SOLO_BACKFILL");
        await WaitForBackfillAsync(world, seller);
        var item = (await world.Admin.CreateItemAsync(seller, "Gorra Trucker", 8000m, count + 10)).GetProperty("id").GetString()!;
        foreach (var batch in Enumerable.Range(0, count).Chunk(8))
        {
            await Task.WhenAll(batch.Select(_ => world.Admin.CreateOrderAsync(new JsonObject
            {
                ["seller_id"] = seller,
                ["items"] = new JsonArray(new JsonObject { ["item_id"] = item, ["quantity"] = 1 }),
                ["notify"] = false,
            })));
        }

        var mark = await LastSequenceAsync(world);
        var clock = Stopwatch.StartNew();
        var progress = JsonNode.Parse(await Post(world, $"api/admin/backfill/{seller}?wait=true"))!;
        await world.WaitUntilQuietAsync(TimeSpan.FromMinutes(10));
        var run = clock.Elapsed;
        var calls = await CallsSinceAsync(world, seller, mark);
        var result = new AloneResult(count, calls.ByKind.GetValueOrDefault("searches"), calls.Total, Breakdown(calls), run);
        Console.WriteLine($"(c) backfill alone: {progress["state"]}, {calls.Total} calls ({result.Breakdown}), {result.PerOrder:F3} per order, {run.TotalSeconds:F1} s");
        return result;
    }

    private static async Task<string> Post(Loopback world, string path)
    {
        var response = await world.Management.PostAsync(path, null);
        var body = await response.Content.ReadAsStringAsync();
        return response.IsSuccessStatusCode ? body : throw new InvalidOperationException($"{path}: {(int)response.StatusCode} {body}");
    }

    private static async Task WaitForBackfillAsync(Loopback world, long seller)
    {
        for (var i = 0; i < 600; i++)
        {
            var response = await world.Management.GetAsync($"api/admin/backfill/{seller}");
            if (response.IsSuccessStatusCode && JsonNode.Parse(await response.Content.ReadAsStringAsync())!["state"]!.GetValue<string>() == "completed")
            {
                return;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"The backfill of seller {seller} on connect did not complete.");
    }

    private static async Task<int> BehindAsync(Loopback world, long seller, Dictionary<long, DateTimeOffset> truth)
    {
        var stored = new Dictionary<long, DateTimeOffset?>();
        var partition = seller.ToString(CultureInfo.InvariantCulture);
        await foreach (var e in world.Storage.Table(StorageNames.OrdersTable).QueryAsync<TableEntity>(e => e.PartitionKey == partition, select: ["RowKey", "LastUpdated"]))
        {
            stored[long.Parse(e.RowKey, CultureInfo.InvariantCulture)] = e.GetDateTimeOffset("LastUpdated");
        }

        return truth.Count(t => !stored.TryGetValue(t.Key, out var at) || at != t.Value);
    }

    private static async Task<long> LastSequenceAsync(Loopback world) =>
        (await world.Admin.GetRequestsAsync()).EnumerateArray().Select(r => r.GetProperty("sequence").GetInt64()).DefaultIfEmpty(0).Max();

    private sealed record Calls(int Total, Dictionary<string, int> ByKind);

    private static async Task<Calls> CallsSinceAsync(Loopback world, long seller, long mark)
    {
        var calls = (await world.Admin.GetRequestsAsync(sellerId: seller)).EnumerateArray()
            .Where(r => r.GetProperty("sequence").GetInt64() > mark)
            .Select(r => Kind(r.GetProperty("method").GetString()!, r.GetProperty("path").GetString()!))
            .ToList();
        return new Calls(calls.Count, calls.GroupBy(k => k).OrderByDescending(g => g.Count()).ToDictionary(g => g.Key, g => g.Count()));
    }

    private static string Kind(string method, string path) =>
        path.StartsWith("/orders/search", StringComparison.Ordinal) ? "searches"
        : path.StartsWith("/orders/", StringComparison.Ordinal) && path[8..].All(char.IsAsciiDigit) ? "order GETs"
        : path.StartsWith("/shipments/", StringComparison.Ordinal) ? "shipment GETs"
        : path == "/items" ? "multigets"
        : path.StartsWith("/items/", StringComparison.Ordinal) ? $"{method} items"
        : $"{method} {string.Join('/', path.Split('/', StringSplitOptions.RemoveEmptyEntries).Take(1))}";

    private static string Breakdown(Calls calls) => string.Join(", ", calls.ByKind.Select(k => $"{k.Value} {k.Key}"));
}
