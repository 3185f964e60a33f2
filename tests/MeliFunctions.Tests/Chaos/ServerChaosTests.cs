using System.Net;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using MeliFunctions.Sandbox;
using MeliFunctions.Storage;
using MeliFunctions.Tests.Infrastructure;

namespace MeliFunctions.Tests.Chaos;

/// <summary>
/// The Server killed with SIGKILL at random moments (a fixed seed) while orders, fraud orders and
/// stock flow, and started again on the same storage each time. Once the system is quiet nothing is
/// lost and nothing happened twice: every order stored as MeLi has it, one fraud case and one
/// cancellation per fraud order, the stock ledger exact.
/// </summary>
public sealed class ServerChaosTests : IAsyncLifetime
{
    private const int Seed = 20261201;
    private const int InitialStock = 100;
    private Azurite _azurite = null!;
    private MeliSandbox _sandbox = null!;
    private SandboxAdminClient _admin = null!;
    private ServerProcess? _server;
    private int _port;
    private Dictionary<string, string> _settings = null!;

    public async Task InitializeAsync()
    {
        _azurite = await Azurite.StartAsync();
        _sandbox = await MeliSandbox.StartAsync(new SandboxOptions
        {
            AppId = ServerHost.AppId,
            ClientSecret = ServerHost.ClientSecret,
            NotificationRetryInterval = TimeSpan.FromMilliseconds(200),
        });
        _admin = new SandboxAdminClient(new HttpClient { BaseAddress = _sandbox.BaseUrl });
        _port = Azurite.FreePort();
        _settings = new Dictionary<string, string>
        {
            ["AzureWebJobsStorage"] = _azurite.ConnectionString,
            ["Meli__ApiBaseUrl"] = _sandbox.BaseUrl.ToString(),
            ["Meli__AuthBaseUrl"] = _sandbox.BaseUrl.ToString(),
            ["Meli__AppId"] = ServerHost.AppId,
            ["Meli__ClientSecret"] = ServerHost.ClientSecret,
            ["Meli__RedirectUri"] = $"http://127.0.0.1:{_port}/api/oauth/callback",
            ["Server__ApiKey"] = ServerHost.ApiKey,
            ["Tokens__Keys"] = ServerHost.TokenKeys,
            ["OAuth__OpenEnrolment"] = "true",
            ["Server__TimersEnabled"] = "false",
            ["Retry__BaseDelay"] = "00:00:00.500",
            ["Retry__MaxDelay"] = "00:00:02",
            ["Fraud__MeliCancelWait"] = "00:00:03",
            ["Fraud__CancelConfirmWait"] = "00:05:00",
            ["Fraud__StepLease"] = "00:00:03",
        };
        await StartServerAsync();
        await _admin.SetCallbackUrlAsync($"http://127.0.0.1:{_port}/api/notifications");
    }

    private async Task StartServerAsync() => _server = await ServerProcess.StartAsync(_settings, _port);

    private HttpClient Management()
    {
        var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_port}/"), Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Add("x-functions-key", ServerHost.ApiKey);
        return http;
    }

    [Fact]
    public async Task Killed_at_random_moments_the_Server_loses_nothing_and_does_nothing_twice()
    {
        using var management = Management();
        var seller = await ConnectSellerAsync();
        var items = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var item = (await _admin.CreateItemAsync(seller, $"Producto {i}", 1000m, 500)).GetProperty("id").GetString()!;
            items.Add(item);
            var put = await management.PutAsync($"api/stock/{seller}/{item}", JsonContent(new JsonObject { ["available_quantity"] = InitialStock }));
            Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
        }

        // Orders arrive for about 20 s while the Server is killed 8 times at random moments and started again.
        var random = new Random(Seed);
        var orders = new List<(long Id, string Item, int Quantity, bool Fraud)>();
        var creating = Task.Run(async () =>
        {
            for (var i = 0; i < 24; i++)
            {
                var fraud = i % 4 == 0;
                var quantity = 1 + (i % 2);
                var shipping = fraud && i % 8 == 4 ? "custom" : "me2";
                var order = await _admin.CreateOrderAsync(seller, items[i % 3], quantity, shipping: shipping, fraud: fraud);
                lock (orders)
                {
                    orders.Add((order.GetProperty("id").GetInt64(), items[i % 3], quantity, fraud));
                }

                await Task.Delay(800);
            }
        });

        const int kills = 8;
        for (var kill = 0; kill < kills; kill++)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(random.Next(1500, 4000)));
            await _server!.KillAsync();
            await Task.Delay(TimeSpan.FromMilliseconds(random.Next(200, 1500)));
            await StartServerAsync();
        }

        await creating;

        // Quiet: every notification delivered, every fraud case final, the queues empty (a message a
        // killed Server held comes back after its 60 s lease).
        await Poll.UntilAsync(async () =>
            {
                var pending = (await _admin.GetNotificationsAsync()).EnumerateArray().Count(n => n.GetProperty("state").GetString() == "pending");
                var cases = await FinalFraudCasesAsync(management, orders.Where(o => o.Fraud).Select(o => o.Id));
                // (fraud-steps keeps the delayed timers of waits already over: they find the case final and end.)
                var depth = await DepthAsync(StorageNames.NotificationsQueue);
                return (pending, cases, depth);
            },
            q => q.pending == 0 && q.cases == orders.Count(o => o.Fraud) && q.depth == 0,
            "the system to be quiet after the last kill", TimeSpan.FromMinutes(4));

        foreach (var (id, _, _, fraud) in orders)
        {
            var truth = await _admin.GetOrderAsync(id);
            var stored = JsonNode.Parse(await management.GetStringAsync($"api/orders/{id}"))!;
            Assert.True(truth.GetProperty("status").GetString() == stored["status"]!.GetValue<string>(), $"order {id}: MeLi {truth.GetProperty("status")}, stored {stored["status"]}");
            Assert.Equal(truth.GetProperty("last_updated").GetString(), stored["last_updated"]!.GetValue<string>());
            if (fraud)
            {
                var rows = await RowsAsync(StorageNames.FraudCasesTable, e => e.RowKey == id.ToString());
                Assert.Single(rows);
                var fraudCase = JsonNode.Parse(await management.GetStringAsync($"api/fraud-cases/{id}"))!;
                Assert.True(fraudCase["state"]!.GetValue<string>() == "cancelled", fraudCase.ToJsonString());
                Assert.Single((await _admin.GetRequestsAsync("POST", $"/orders/{id}/feedback")).EnumerateArray());
                Assert.Single((await _admin.GetNotesAsync()).EnumerateArray(), n => n.GetProperty("order_id").GetInt64() == id);
                Assert.Equal("cancelled", truth.GetProperty("status").GetString());
            }
        }

        foreach (var item in items)
        {
            var sold = orders.Where(o => o.Item == item && !o.Fraud).Sum(o => o.Quantity);
            var stock = JsonNode.Parse(await management.GetStringAsync($"api/stock/{seller}/{item}"))!;
            Assert.True(stock["available_quantity"]!.GetValue<int>() == InitialStock - sold, $"{item}: ledger {stock.ToJsonString()}, expected {InitialStock - sold} ({kills} kills)");
        }
    }

    private async Task<long> ConnectSellerAsync()
    {
        var seller = await _admin.CreateSellerAsync("TIENDA_CAOS");
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = new Uri($"http://127.0.0.1:{_port}/") };
        var start = await browser.GetAsync("api/oauth/start");
        var toCallback = await browser.GetAsync(start.Headers.Location!.ToString() + "&login_as=" + seller.Id);
        var callback = await browser.GetAsync(toCallback.Headers.Location);
        Assert.True(callback.IsSuccessStatusCode, await callback.Content.ReadAsStringAsync());
        return seller.Id;
    }

    private static async Task<int> FinalFraudCasesAsync(HttpClient management, IEnumerable<long> orderIds)
    {
        var final = 0;
        foreach (var id in orderIds)
        {
            var response = await management.GetAsync($"api/fraud-cases/{id}");
            if (response.StatusCode == HttpStatusCode.OK
                && JsonNode.Parse(await response.Content.ReadAsStringAsync())!["final"]?.GetValue<bool>() == true)
            {
                final++;
            }
        }

        return final;
    }

    private async Task<int> DepthAsync(string queue) =>
        (await new QueueClient(_azurite.ConnectionString, queue).GetPropertiesAsync()).Value.ApproximateMessagesCount;

    private async Task<List<TableEntity>> RowsAsync(string table, System.Linq.Expressions.Expression<Func<TableEntity, bool>> filter)
    {
        var rows = new List<TableEntity>();
        await foreach (var e in new TableClient(_azurite.ConnectionString, table).QueryAsync(filter))
        {
            rows.Add(e);
        }

        return rows;
    }

    private static StringContent JsonContent(JsonNode body) => new(body.ToJsonString(), System.Text.Encoding.UTF8, "application/json");

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        await _sandbox.DisposeAsync();
        await _azurite.DisposeAsync();
    }
}
