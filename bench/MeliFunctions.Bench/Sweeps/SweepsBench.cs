using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using MeliFunctions.Storage;

namespace MeliFunctions.Bench.Sweeps;

/// <summary>
/// (a) A sweep after 30% notification loss: how long until the store equals the sandbox, and MeLi
/// calls per healed order. (b) A backfill: orders per minute and calls per order at the default pace.
/// </summary>
public static class SweepsBench
{
    private const string Heading = "Sweeps and backfill";

    public static Command Command()
    {
        var sweepOrders = Cli.Valued("--sweep-orders", 1_000, "orders created while notifications are dropped, then one sweep");
        var drop = Cli.Valued("--drop", 0.3, "share of notifications the sandbox drops meanwhile");
        var cancelled = Cli.Valued("--cancelled", 0.1, "share of those orders cancelled afterwards (still dropping)");
        var backfillOrders = Cli.Valued("--backfill-orders", 1_000, "orders created silently, then one backfill");
        var noDocs = Cli.NoDocs();
        var command = new Command("sweeps", "sweep convergence and backfill rate; pace: the seller's request budget, Meli__RequestsPerSecondPerSeller (default 5)")
        {
            sweepOrders, drop, cancelled, backfillOrders, noDocs,
        };
        command.SetAction((result, _) => RunAsync(
            result.GetValue(sweepOrders), result.GetValue(drop), result.GetValue(cancelled), result.GetValue(backfillOrders), !result.GetValue(noDocs), Cli.Reproduce(result)));
        return command;
    }

    private static async Task<int> RunAsync(int sweepOrders, double drop, double cancelled, int backfillOrders, bool writeDocs, string command)
    {
        var pace = Environment.GetEnvironmentVariable("Meli__RequestsPerSecondPerSeller") is { } set ? $"{set}/s" : "5/s (default)";
        var date = DateTime.UtcNow;
        var loadBefore = Bench.LoadAverage();
        Console.WriteLine($"{date:yyyy-MM-dd HH:mm:ss} UTC, load average {loadBefore}; sweep pace {pace}");
        await using var world = await Loopback.StartAsync(new Dictionary<string, string?>());

        // (a) Orders created (and some cancelled) while the sandbox drops a share of the notifications.
        var seller = await world.ConnectSellerAsync("BENCH_PERDIDAS");
        await WaitForBackfillAsync(world, seller);
        await world.Admin.SetFaultsAsync(new JsonObject { ["seller_id"] = seller, ["drop_notifications_rate"] = drop });
        var orders = await CreateOrdersAsync(world, seller, sweepOrders, notify: true);
        foreach (var id in orders.Take((int)(sweepOrders * cancelled)))
        {
            await world.Admin.OrderActionAsync(id, "cancel");
        }

        await world.Admin.ResetFaultsAsync();
        Console.WriteLine($"Created {orders.Count} orders with {drop * 100:0}% of notifications dropped; waiting for the rest to be synced");
        await world.WaitUntilQuietAsync(TimeSpan.FromMinutes(20));
        var truth = await TruthAsync(world, orders);
        var behind = await BehindAsync(world, seller, truth);
        Console.WriteLine($"Behind the sandbox before the sweep: {behind} of {orders.Count}");

        var mark = await LastSequenceAsync(world);
        var clock = Stopwatch.StartNew();
        var report = JsonNode.Parse(await Post(world, $"api/admin/sweep?seller={seller}&wait=true"))!;
        var sweepTime = clock.Elapsed;
        while (await BehindAsync(world, seller, truth) > 0 && clock.Elapsed < TimeSpan.FromMinutes(20))
        {
            await Task.Delay(250);
        }

        var convergeTime = clock.Elapsed;
        var converged = await BehindAsync(world, seller, truth) == 0;
        await world.WaitUntilQuietAsync(TimeSpan.FromMinutes(5));
        var sweepCalls = await CallsSinceAsync(world, seller, mark);
        var sellerReport = report["sellers"]!.AsArray().Single()!;
        Console.WriteLine($"Sweep: {sweepTime.TotalSeconds:F1} s (status {sellerReport["status"]}, changed.queued {sellerReport["changed"]?["queued"]}, report requests {sellerReport["requests"]}); store equals the sandbox after {convergeTime.TotalSeconds:F1} s: {converged}");
        Console.WriteLine($"MeLi calls from the sweep on: {sweepCalls.Total} ({Breakdown(sweepCalls)}), {(double)sweepCalls.Total / behind:F2} per healed order");

        // (b) A backfill of orders the webhook never heard of.
        var newSeller = await world.ConnectSellerAsync("BENCH_BACKFILL");
        await WaitForBackfillAsync(world, newSeller);
        var past = await CreateOrdersAsync(world, newSeller, backfillOrders, notify: false);
        var pastTruth = await TruthAsync(world, past);
        mark = await LastSequenceAsync(world);
        clock.Restart();
        var progress = JsonNode.Parse(await Post(world, $"api/admin/backfill/{newSeller}?wait=true"))!;
        var runTime = clock.Elapsed;
        while (await BehindAsync(world, newSeller, pastTruth) > 0 && clock.Elapsed < TimeSpan.FromMinutes(30))
        {
            await Task.Delay(250);
        }

        var storedTime = clock.Elapsed;
        var backfilled = await BehindAsync(world, newSeller, pastTruth) == 0;
        await world.WaitUntilQuietAsync(TimeSpan.FromMinutes(5));
        var backfillCalls = await CallsSinceAsync(world, newSeller, mark);
        var perMinute = backfillOrders / storedTime.TotalMinutes;
        Console.WriteLine($"Backfill: run {runTime.TotalSeconds:F1} s (state {progress["state"]}, pages {progress["pages_done"]}, queued {progress["orders_queued"]}); all {backfillOrders} stored after {storedTime.TotalSeconds:F1} s: {backfilled}; {perMinute:F0} orders/minute");
        Console.WriteLine($"MeLi calls: {backfillCalls.Total} ({Breakdown(backfillCalls)}), {(double)backfillCalls.Total / backfillOrders:F2} per order");
        var loadAfter = Bench.LoadAverage();
        Console.WriteLine($"Load average at start {loadBefore}, at end {loadAfter}");

        if (writeDocs)
        {
            var s = new StringBuilder();
            s.AppendLine($"Measured {date:yyyy-MM-dd HH:mm} UTC.").AppendLine();
            s.AppendLine(BenchDocs.MachineLine(loadBefore, loadAfter));
            s.AppendLine().AppendLine("Method:").AppendLine();
            s.AppendLine($"- `bench/MeliFunctions.Bench/Sweeps/SweepsBench.cs`: Azurite in memory (its own process, free ports), the MeLi sandbox and the Server (`MeliServer.Build`, queue pump on, timers off, the seller's request budget `Meli__RequestsPerSecondPerSeller` {pace}, other settings default) in the bench's process, on loopback. Sellers connected through the OAuth flow (their empty backfill on connect is let finish first).");
            s.AppendLine($"- Sweep: with the sandbox dropping {drop * 100:0}% of the seller's notifications (`drop_notifications_rate`), {sweepOrders:N0} `paid` orders are created 8 at a time and the first {cancelled * 100:0}% of them cancelled; drops off, every delivered notification synced (none pending, queue empty), then one `POST /api/admin/sweep?seller=&wait=true`. \"Store equals the sandbox\": every order's row in `Orders` has the sandbox's `last_updated` (table polled every 250 ms from the sweep's start). Calls: every MeLi API call of the seller in `GET /_sandbox/requests` after the sweep started until everything was quiet again, divided by the orders that were behind.");
            s.AppendLine($"- Backfill: a second seller, {backfillOrders:N0} `paid` orders created with `\"notify\": false`, then one `POST /api/admin/backfill/{{sellerId}}?wait=true`; orders per minute = orders / time until all are stored; calls counted the same way.");
            s.AppendLine().AppendLine("| run | orders | behind before | run (the POST) | store equals the sandbox after | orders / minute | MeLi calls | calls per order |");
            s.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: |");
            s.AppendLine($"| sweep after {drop * 100:0}% loss | {sweepOrders:N0} | {behind} | {sweepTime.TotalSeconds:F1} s | {(converged ? $"{convergeTime.TotalSeconds:F1} s" : "not converged")} | | {sweepCalls.Total} ({Breakdown(sweepCalls)}) | {(double)sweepCalls.Total / behind:F2} per healed order |");
            s.AppendLine($"| backfill | {backfillOrders:N0} | {backfillOrders:N0} | {runTime.TotalSeconds:F1} s | {(backfilled ? $"{storedTime.TotalSeconds:F1} s" : "not all stored")} | {perMinute:F0} | {backfillCalls.Total} ({Breakdown(backfillCalls)}) | {(double)backfillCalls.Total / backfillOrders:F2} |");
            s.AppendLine().AppendLine($"Sweep report: `{sellerReport.ToJsonString()}`").AppendLine();
            s.AppendLine($"Backfill progress at the end: `{progress.ToJsonString()}`");
            s.AppendLine().AppendLine("```bash").AppendLine(command.TrimEnd()).AppendLine("```");
            BenchDocs.Write(Heading, s.ToString());
        }

        return converged && backfilled ? 0 : 1;
    }

    private static async Task<string> Post(Loopback world, string path)
    {
        var response = await world.Management.PostAsync(path, null);
        var body = await response.Content.ReadAsStringAsync();
        return response.IsSuccessStatusCode ? body : throw new InvalidOperationException($"{path}: {(int)response.StatusCode} {body}");
    }

    /// <summary>A connected seller's backfill (started on connect) has finished.</summary>
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

    private static async Task<List<long>> CreateOrdersAsync(Loopback world, long seller, int count, bool notify)
    {
        var item = (await world.Admin.CreateItemAsync(seller, "Remera Algodon Talle M", 4999.5m, count + 10)).GetProperty("id").GetString()!;
        var ids = new List<long>();
        foreach (var batch in Enumerable.Range(0, count).Chunk(8))
        {
            var created = await Task.WhenAll(batch.Select(_ => world.Admin.CreateOrderAsync(new JsonObject
            {
                ["seller_id"] = seller,
                ["items"] = new JsonArray(new JsonObject { ["item_id"] = item, ["quantity"] = 1 }),
                ["notify"] = notify,
            })));
            ids.AddRange(created.Select(o => o.GetProperty("id").GetInt64()));
        }

        return ids;
    }

    /// <summary>The sandbox's <c>last_updated</c> of each order (it does not change afterwards).</summary>
    private static async Task<Dictionary<long, DateTimeOffset>> TruthAsync(Loopback world, List<long> orders)
    {
        var truth = new Dictionary<long, DateTimeOffset>();
        foreach (var id in orders)
        {
            var order = await world.Admin.GetOrderAsync(id);
            truth[id] = DateTimeOffset.Parse(order.GetProperty("last_updated").GetString()!, CultureInfo.InvariantCulture);
        }

        return truth;
    }

    /// <summary>Orders missing from the Orders table or stored with another <c>last_updated</c>.</summary>
    private static async Task<int> BehindAsync(Loopback world, long seller, Dictionary<long, DateTimeOffset> truth)
    {
        var stored = new Dictionary<long, DateTimeOffset?>();
        var table = world.Storage.Table(StorageNames.OrdersTable);
        var partition = seller.ToString(CultureInfo.InvariantCulture);
        await foreach (var e in table.QueryAsync<TableEntity>(e => e.PartitionKey == partition, select: ["RowKey", "LastUpdated"]))
        {
            stored[long.Parse(e.RowKey, CultureInfo.InvariantCulture)] = e.GetDateTimeOffset("LastUpdated");
        }

        return truth.Count(t => !stored.TryGetValue(t.Key, out var at) || at != t.Value);
    }

    private static async Task<long> LastSequenceAsync(Loopback world) =>
        (await world.Admin.GetRequestsAsync()).EnumerateArray().Select(r => r.GetProperty("sequence").GetInt64()).DefaultIfEmpty(0).Max();

    private sealed record Calls(int Total, Dictionary<string, int> ByKind);

    /// <summary>The seller's MeLi API calls logged after <paramref name="mark"/>, by kind.</summary>
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
        : path.StartsWith("/items", StringComparison.Ordinal) ? "items"
        : $"{method} {path.Split('/', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault()}";

    private static string Breakdown(Calls calls) => string.Join(", ", calls.ByKind.Select(k => $"{k.Value} {k.Key}"));
}
