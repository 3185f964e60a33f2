using System.Net;
using System.Text.Json.Nodes;
using Azure.Data.Tables;

namespace MeliFunctions.App.Tests;

/// <summary>
/// Two Functions hosts running the App's build output on one storage account and one sandbox: one
/// app scaled out to two instances. Both pump the same queues, share Durable's task hub (its
/// partitions split between the two workers) and the timers' locks; MeLi's notifications are handed
/// to them in turn. We cancel a fraud order 2 s after the flow starts (MeLi would take 10 minutes).
/// </summary>
public sealed class TwoAppHostsWorld() : AppWorld(2, new Dictionary<string, string>
{
    ["Fraud__MeliCancelWait"] = "00:00:02",
    ["Fraud__CancelConfirmWait"] = "00:05:00",
}, TimeSpan.FromMinutes(10));

/// <summary>Two instances are one app: the promises hold with the work split between two App hosts.</summary>
public sealed class TwoAppHostsTests(TwoAppHostsWorld world) : IClassFixture<TwoAppHostsWorld>
{
    [Fact]
    public async Task Two_App_hosts_make_one_case_and_one_feedback_per_fraud_order_an_exact_ledger_and_few_order_GETs()
    {
        var seller = await world.ConnectSellerAsync("DOS_HOSTS");
        var plainItem = await TrackedItemAsync(seller, 100);
        var fraudItem = await TrackedItemAsync(seller, 50);

        var plain = new List<long>();
        var fraud = new List<long>();
        for (var i = 0; i < 20; i++)
        {
            plain.Add((await world.Admin.CreateOrderAsync(seller, plainItem, quantity: 1)).GetProperty("id").GetInt64());
            if (i % 2 == 0)
            {
                fraud.Add((await world.Admin.CreateOrderAsync(seller, fraudItem, quantity: 1, shipping: "me2", fraud: true)).GetProperty("id").GetInt64());
            }
        }

        foreach (var orderId in fraud)
        {
            await world.WaitForCaseAsync(orderId, "cancelled", TimeSpan.FromMinutes(3));
        }

        foreach (var orderId in plain)
        {
            await world.WaitForStoredOrderAsync(orderId, o => o["_sync"]!["follow_up_version"]!.GetValue<int>() == o["_sync"]!["version"]!.GetValue<int>());
        }

        await Poll.UntilAsync(
            async () => (await world.Admin.GetNotificationsAsync()).EnumerateArray().Count(n => n.GetProperty("state").GetString() == "pending")
                + (await world.Queue("meli-notifications").GetPropertiesAsync()).Value.ApproximateMessagesCount,
            waiting => waiting == 0,
            "every notification delivered and the queue empty", TimeSpan.FromMinutes(2));
        await Poll.UntilAsync(() => LedgerAsync(world.Hosts[1], seller, plainItem), q => q == 80, "the plain listing's ledger at 80", TimeSpan.FromMinutes(1));
        await Poll.UntilAsync(() => LedgerAsync(world.Hosts[1], seller, fraudItem), q => q == 50, "the fraud listing's ledger back at 50", TimeSpan.FromMinutes(1));

        var handed = world.Handed;
        Assert.True(handed.All(h => h > 0), $"notifications handed {string.Join(" and ", handed)}");
        foreach (var orderId in fraud)
        {
            Assert.Single(await CasesInTableAsync(orderId));
            Assert.Single(await world.MeliCallsAsync("POST", $"/orders/{orderId}/feedback"));
            Assert.Single(await world.NotesAtMeliAsync(orderId));
        }

        var gets = 0;
        foreach (var orderId in plain)
        {
            gets += (await world.MeliCallsAsync("GET", $"/orders/{orderId}")).Count;
        }

        Assert.True(gets <= 1.5 * plain.Count, $"{gets} order GETs for {plain.Count} orders, each changed once");
        Assert.Equal(80, await LedgerAsync(world.Hosts[0], seller, plainItem));
        Assert.Equal(50, await LedgerAsync(world.Hosts[0], seller, fraudItem));

        // Both hosts are workers of the one task hub: its control-queue partitions are split between them.
        var owners = await Poll.UntilAsync(PartitionOwnersAsync, o => o.Distinct().Count() == 2,
            "the task hub's partitions owned by both hosts", TimeSpan.FromMinutes(2), o => string.Join(", ", o));
        Assert.Equal(
            new[] { "func-host-" + world.Hosts[0].Port, "func-host-" + world.Hosts[1].Port }.Order(StringComparer.Ordinal),
            owners.Select(o => o[(o.IndexOf(':') + 1)..]).Distinct().Order(StringComparer.Ordinal));
    }

    private async Task<List<string>> PartitionOwnersAsync()
    {
        var owners = new List<string>();
        await foreach (var row in world.Table(world.Settings["TASKHUB_NAME"] + "Partitions").QueryAsync<TableEntity>())
        {
            owners.Add(row.GetString("CurrentOwner") ?? "");
        }

        return owners;
    }

    private async Task<string> TrackedItemAsync(long sellerId, int quantity)
    {
        var item = (await world.Admin.CreateItemAsync(sellerId, "Termo de acero 1L", 25000m, quantity)).GetProperty("id").GetString()!;
        var set = await world.SendAsync(HttpMethod.Put, $"api/stock/{sellerId}/{item}", new JsonObject { ["available_quantity"] = quantity });
        Assert.True((int)set.Status is >= 200 and < 300, set.ToString());
        return item;
    }

    private static async Task<int> LedgerAsync(FunctionsHost host, long sellerId, string itemId) =>
        (int)JsonNode.Parse(await host.Management.GetStringAsync($"api/stock/{sellerId}/{itemId}"))!["available_quantity"]!;

    private async Task<List<TableEntity>> CasesInTableAsync(long orderId)
    {
        var rows = new List<TableEntity>();
        await foreach (var e in world.Table("FraudCases").QueryAsync<TableEntity>(e => e.RowKey == orderId.ToString()))
        {
            rows.Add(e);
        }

        return rows;
    }
}
