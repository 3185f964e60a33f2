using System.Net;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using Xunit.Abstractions;

namespace MeliFunctions.App.Tests;

/// <summary>
/// The App under the Functions host on storage of its own, so killing the host touches no other test.
/// What a dead host held comes back on these clocks here (see docs/operations.md, "After a crash"):
/// Durable's work items and control messages after host.json's 1 minute; the timers' lock after the
/// host's listener lock (15 s here, 60 s by default) and its recovery poll (15 s here, 60 s by
/// default); a seller's sweep lease after 15 s (2 minutes by default). A queue-trigger message a dead
/// host took stays hidden for the queue listener's 10 minutes whatever the settings: the pending sweep
/// (every 10 s here, 10 minutes by default) stores the order from its search page meanwhile, and its
/// follow-up pass (after 10 s here, 1 minute by default) finishes an order whose observers a kill cut short.
/// </summary>
public sealed class AppChaosWorld() : AppWorld(1, new Dictionary<string, string>
{
    ["Fraud__MeliCancelWait"] = "00:00:03",
    ["Fraud__CancelConfirmWait"] = "00:05:00",
    ["Sweeps__LeaseDuration"] = "00:00:15",
    ["Sweeps__FollowUpAfter"] = "00:00:10",
    ["AzureFunctionsJobHost__singleton__listenerLockPeriod"] = "00:00:15",
    ["AzureFunctionsJobHost__singleton__listenerLockRecoveryPollingInterval"] = "00:00:15",
}, TimeSpan.FromMinutes(10));

/// <summary>
/// The App's host killed with SIGKILL (host and worker, no shutdown) at random moments (a fixed seed)
/// while orders, fraud orders and stock flow, and started again on the same storage each time. Once
/// the system is quiet nothing is lost and nothing happened twice: every order stored as MeLi has it
/// with its follow-up done, one fraud case, one feedback and one note per fraud order, the ledger exact.
/// </summary>
public sealed class AppChaosTests(AppChaosWorld world, ITestOutputHelper output) : IClassFixture<AppChaosWorld>
{
    private const int Seed = 20261202;
    private const int Kills = 4;
    private const int InitialStock = 100;

    [Fact]
    public async Task Killed_at_random_moments_the_App_host_loses_nothing_and_does_nothing_twice()
    {
        var seller = await world.ConnectSellerAsync("APP_CAOS");
        var items = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var item = (await world.Admin.CreateItemAsync(seller, $"Producto {i}", 1000m, 500)).GetProperty("id").GetString()!;
            items.Add(item);
            var put = await world.SendAsync(HttpMethod.Put, $"api/stock/{seller}/{item}", new JsonObject { ["available_quantity"] = InitialStock });
            Assert.True((int)put.Status is >= 200 and < 300, put.ToString());
        }

        // Orders arrive for about a minute and a half while the host is killed at random moments and started again.
        var random = new Random(Seed);
        var orders = new List<(long Id, string Item, int Quantity, bool Fraud)>();
        var creating = Task.Run(async () =>
        {
            for (var i = 0; i < 20; i++)
            {
                var fraud = i % 4 == 0;
                var quantity = 1 + (i % 2);
                var shipping = fraud && i % 8 == 4 ? "custom" : "me2";
                var order = await world.Admin.CreateOrderAsync(seller, items[i % 3], quantity, shipping: shipping, fraud: fraud);
                lock (orders)
                {
                    orders.Add((order.GetProperty("id").GetInt64(), items[i % 3], quantity, fraud));
                }

                await Task.Delay(2500);
            }
        });

        for (var kill = 0; kill < Kills; kill++)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(random.Next(2000, 6000)));
            await world.Host.KillAsync();
            await Task.Delay(TimeSpan.FromMilliseconds(random.Next(200, 1500)));
            await world.Host.StartAsync(TimeSpan.FromMinutes(3));
        }

        await creating;
        var restarted = DateTime.UtcNow;
        var seen = "";

        // Quiet: every notification delivered, every order stored as MeLi has it with its follow-up
        // done, every fraud case final. No queue is awaited empty: a message a killed host had taken
        // stays hidden for the listener's 10 minutes, and the sweep has already done its work.
        var quiet = await Poll.UntilAsync(async () =>
            {
                var pending = (await world.Admin.GetNotificationsAsync()).EnumerateArray().Count(n => n.GetProperty("state").GetString() == "pending");
                var behind = new List<string>();
                foreach (var (id, _, _, fraud) in orders)
                {
                    if (await BehindAsync(id, fraud) is { } why)
                    {
                        behind.Add($"{id}: {why}");
                    }
                }

                // What is still behind, each time it changes, for the run's output.
                var now = $"{pending} notifications pending; behind: {string.Join("; ", behind)}";
                if (now != seen)
                {
                    seen = now;
                    output.WriteLine($"+{(DateTime.UtcNow - restarted).TotalSeconds:0} s: {now}");
                }

                return (pending, behind);
            },
            q => q.pending == 0 && q.behind.Count == 0,
            "the system to be quiet after the last kill", TimeSpan.FromMinutes(4),
            q => $"{q.pending} notifications pending; behind: {string.Join("; ", q.behind)}");

        foreach (var (id, _, _, fraud) in orders.Where(o => o.Fraud))
        {
            Assert.Single(await RowsAsync("FraudCases", e => e.RowKey == id.ToString()));
            var fraudCase = (await world.FraudCaseAsync(id))!;
            Assert.True(fraudCase["state"]!.GetValue<string>() == "cancelled", fraudCase.ToJsonString());
            Assert.Single(AppWorld.Steps(fraudCase), s => s == "restore_stock");
            Assert.Single(await world.MeliCallsAsync("POST", $"/orders/{id}/feedback"));
            Assert.Single(await world.NotesAtMeliAsync(id));
            Assert.Equal("cancelled", (await world.Admin.GetOrderAsync(id)).GetProperty("status").GetString());
        }

        foreach (var item in items)
        {
            var sold = orders.Where(o => o.Item == item && !o.Fraud).Sum(o => o.Quantity);
            var stock = await world.GetJsonAsync($"api/stock/{seller}/{item}");
            Assert.True(stock["available_quantity"]!.GetValue<int>() == InitialStock - sold, $"{item}: ledger {stock.ToJsonString()}, expected {InitialStock - sold} ({Kills} kills)");
        }

        output.WriteLine($"{Kills} kills (seed {Seed}), {orders.Count} orders ({orders.Count(o => o.Fraud)} fraud); still hidden by dead hosts' leases at the end: "
            + $"{await DepthAsync("meli-notifications")} meli-notifications and {await DepthAsync("fraud-steps")} fraud-steps messages (counting any due later); "
            + $"the sweeps started {await SweepFraudStartsAsync()} fraud flows again and queued {await SweepFollowUpsAsync()} follow-ups");
        Assert.Equal(0, quiet.pending);
    }

    /// <summary>Why the order is not yet as it should end (null when it is): stored as MeLi has it, its follow-up done, its fraud case final.</summary>
    private async Task<string?> BehindAsync(long orderId, bool fraud)
    {
        var answer = await world.SendAsync(HttpMethod.Get, $"api/orders/{orderId}");
        if (answer.Status != HttpStatusCode.OK)
        {
            return $"not stored ({(int)answer.Status})";
        }

        var truth = await world.Admin.GetOrderAsync(orderId);
        var stored = answer.Json;
        if (truth.GetProperty("status").GetString() != stored["status"]?.GetValue<string>()
            || truth.GetProperty("last_updated").GetString() != stored["last_updated"]?.GetValue<string>())
        {
            return $"MeLi has {truth.GetProperty("status")} at {truth.GetProperty("last_updated")}, stored {stored["status"]} at {stored["last_updated"]}";
        }

        if (stored["_sync"]?["follow_up_version"]?.GetValue<int>() != stored["_sync"]?["version"]?.GetValue<int>())
        {
            return $"follow-up pending ({stored["_sync"]?.ToJsonString()})";
        }

        if (fraud && (await world.FraudCaseAsync(orderId)) is var fraudCase && fraudCase?["final"]?.GetValue<bool>() != true)
        {
            return $"fraud case {fraudCase?["state"] ?? "missing"}";
        }

        return null;
    }

    private Task<int> SweepFraudStartsAsync() => SweepReportSumAsync("fraud_starts", "started");

    private Task<int> SweepFollowUpsAsync() => SweepReportSumAsync("follow_up", "queued");

    /// <summary>A figure summed over the sellers' parts of every sweep run report (SweepState, partition <c>run</c>).</summary>
    private async Task<int> SweepReportSumAsync(string section, string figure)
    {
        var sum = 0;
        foreach (var row in await RowsAsync("SweepState", e => e.PartitionKey == "run"))
        {
            if (row.GetString("Kind") == "sweep_seller" && JsonNode.Parse(row.GetString("ReportJson") ?? "null")?[section]?[figure] is JsonValue value)
            {
                sum += value.GetValue<int>();
            }
        }

        return sum;
    }

    private async Task<int> DepthAsync(string queue) => (await world.Queue(queue).GetPropertiesAsync()).Value.ApproximateMessagesCount;

    private async Task<List<TableEntity>> RowsAsync(string table, System.Linq.Expressions.Expression<Func<TableEntity, bool>> filter)
    {
        var rows = new List<TableEntity>();
        await foreach (var e in world.Table(table).QueryAsync(filter))
        {
            rows.Add(e);
        }

        return rows;
    }
}
