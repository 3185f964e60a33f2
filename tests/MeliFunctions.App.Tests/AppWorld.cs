using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using MeliFunctions.Sandbox;

namespace MeliFunctions.App.Tests;

/// <summary>
/// The App as a user runs it: its build output under the real Functions host (queue triggers,
/// timers, Durable Functions on Azure Storage), a real Azurite, and the Mercado Libre sandbox
/// notifying the App's webhook. One host for every test class (starting one takes tens of seconds).
/// A derived world may run more hosts of the same App on the same storage account (scale-out), MeLi's
/// notifications then handed to them in turn by a front end, as a load balancer would.
/// </summary>
public class AppWorld : IAsyncLifetime
{
    public const string AppId = "5503910054141466";
    public const string ClientSecret = "sandbox-client-secret";

    /// <summary>The token sealing key the App runs with (Tokens__Keys).</summary>
    public const string TokenKeys = "app:6d656c6966756e6374696f6e732d6170702d746f6b656e2d6b65792d303031";

    /// <summary>The webhook's secret (Notifications__CallbackSecret): the sandbox's callback URL carries it, as MeLi's would.</summary>
    public const string CallbackSecret = "app-tests-callback-secret-5e1f";

    /// <summary>The webhook path with its secret, as registered with Mercado Libre.</summary>
    public const string WebhookPath = "api/notifications?secret=" + CallbackSecret;

    /// <summary>MeLi cancels a fraud-flagged Mercado Envios order by itself after this long (the label not printed).</summary>
    public static readonly TimeSpan MeliAutoCancel = TimeSpan.FromSeconds(20);

    private readonly int _hosts;
    private readonly IReadOnlyDictionary<string, string> _overrides;
    private readonly TimeSpan _meliAutoCancel;
    private WebhookFrontEnd? _front;

    public AppWorld()
        : this(1, new Dictionary<string, string>(), MeliAutoCancel)
    {
    }

    /// <param name="hosts">how many Functions hosts run the App on the one storage account</param>
    /// <param name="overrides">app settings that differ from the shared world's</param>
    /// <param name="meliAutoCancel">when the sandbox cancels a fraud-flagged Mercado Envios order by itself</param>
    protected AppWorld(int hosts, IReadOnlyDictionary<string, string> overrides, TimeSpan meliAutoCancel)
    {
        _hosts = hosts;
        _overrides = overrides;
        _meliAutoCancel = meliAutoCancel;
    }

    public Azurite Azurite { get; private set; } = null!;

    public MeliSandbox Sandbox { get; private set; } = null!;

    public SandboxAdminClient Admin { get; private set; } = null!;

    /// <summary>The first host (the one every call of a test goes to unless it names another).</summary>
    public FunctionsHost Host => Hosts[0];

    /// <summary>Every host running the App on this world's storage account.</summary>
    public List<FunctionsHost> Hosts { get; } = [];

    /// <summary>Notifications the front end handed to each host (empty with one host: MeLi calls it directly).</summary>
    public IReadOnlyList<int> Handed => _front?.Handed ?? [];

    /// <summary>The App's settings, as a Function App's application settings (and local.settings.json Values).</summary>
    public Dictionary<string, string> Settings { get; } = [];

    public async Task InitializeAsync()
    {
        Azurite = await Azurite.StartAsync();
        Sandbox = await MeliSandbox.StartAsync(new SandboxOptions
        {
            AppId = AppId,
            ClientSecret = ClientSecret,
            NotificationRetryInterval = TimeSpan.FromMilliseconds(500),
            FraudAutoCancelDelay = _meliAutoCancel,
        });
        Admin = new SandboxAdminClient(new HttpClient { BaseAddress = Sandbox.BaseUrl });
        var port = Azurite.FreePort();
        foreach (var (key, value) in new Dictionary<string, string>
        {
            ["AzureWebJobsStorage"] = Azurite.ConnectionString,
            ["TASKHUB_NAME"] = "MeliAppTests",
            ["Meli__ApiBaseUrl"] = Sandbox.BaseUrl.ToString(),
            ["Meli__AuthBaseUrl"] = Sandbox.BaseUrl.ToString(),
            ["Meli__AppId"] = AppId,
            ["Meli__ClientSecret"] = ClientSecret,
            ["Meli__RedirectUri"] = $"http://127.0.0.1:{port}/api/oauth/callback",
            ["Tokens__Keys"] = TokenKeys,
            ["Notifications__CallbackSecret"] = CallbackSecret,
            // Enrolment stays closed, as deployed: ConnectSellerAsync connects each seller with an invitation.
            // Both timers fire every 10 s here: the timer test watches them work with no admin call.
            ["StockReconcileSchedule"] = "*/10 * * * * *",
            ["PendingSweepSchedule"] = "*/10 * * * * *",
            // We would wait 10 minutes for MeLi to cancel (it does so after 20 s); other shipments are cancelled at once.
            ["Fraud__MeliCancelWait"] = "00:10:00",
            ["Fraud__CancelConfirmWait"] = "00:10:00",
            ["Retry__BaseDelay"] = "00:00:01",
            ["Retry__MaxDelay"] = "00:00:04",
        })
        {
            Settings[key] = value;
        }

        foreach (var (key, value) in _overrides)
        {
            Settings[key] = value;
        }

        Hosts.Add(await FunctionsHost.StartAsync(Settings, port));
        for (var i = 1; i < _hosts; i++)
        {
            Hosts.Add(await FunctionsHost.StartAsync(Settings));
        }

        if (_hosts == 1)
        {
            await Admin.SetCallbackUrlAsync(new Uri(Host.BaseUrl, WebhookPath).ToString());
        }
        else
        {
            _front = await WebhookFrontEnd.StartAsync(Hosts.Select(h => h.Http).ToList());
            await Admin.SetCallbackUrlAsync(new Uri(_front.BaseUrl, WebhookPath).ToString());
        }
    }

    /// <summary>Kills the host and its worker (no clean shutdown) and starts a new host on the same storage and port.</summary>
    public async Task CrashAndRestartAsync()
    {
        await Host.KillAsync();
        await Host.StartAsync(TimeSpan.FromMinutes(3));
    }

    /// <summary>
    /// Creates a seller in the sandbox and connects it as the seller's browser would, through the App's
    /// OAuth routes, with an invitation an operator created (enrolment is closed).
    /// </summary>
    public async Task<long> ConnectSellerAsync(string nickname)
    {
        var seller = await Admin.CreateSellerAsync(nickname);
        var invite = await SendAsync(HttpMethod.Post, "api/admin/invites");
        Assert.True(invite.Status == HttpStatusCode.Created, $"POST api/admin/invites: {invite}");
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = true });
        var start = await browser.GetAsync(new Uri(invite.Json["url"]!.GetValue<string>()));
        Assert.Equal(HttpStatusCode.Redirect, start.StatusCode);
        var toCallback = await browser.GetAsync(start.Headers.Location!.ToString() + "&login_as=" + seller.Id);
        Assert.Equal(HttpStatusCode.Redirect, toCallback.StatusCode);
        var callback = await browser.GetAsync(toCallback.Headers.Location);
        var body = await callback.Content.ReadAsStringAsync();
        Assert.True(callback.IsSuccessStatusCode, body);
        Assert.Equal(seller.Id, JsonDocument.Parse(body).RootElement.GetProperty("user_id").GetInt64());
        return seller.Id;
    }

    public async Task<(long OrderId, string ItemId)> CreateOrderAsync(long sellerId, string shipping = "me2", bool fraud = false, int stock = 10)
    {
        var item = await Admin.CreateItemAsync(sellerId, "Zapatillas Running Talle 42", 15999.99m, stock);
        var itemId = item.GetProperty("id").GetString()!;
        var order = await Admin.CreateOrderAsync(sellerId, itemId, 1, shipping: shipping, fraud: fraud);
        return (order.GetProperty("id").GetInt64(), itemId);
    }

    /// <summary>A call to the App, with or without the function key, answered as (status, body).</summary>
    public async Task<Answer> SendAsync(HttpMethod method, string path, JsonNode? body = null, string? idempotencyKey = null, bool key = true)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }

        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        using var response = await (key ? Host.Management : Host.Http).SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return new Answer(response.StatusCode, text, response.Headers.TryGetValues("Idempotent-Replayed", out var replayed) && replayed.Contains("true"));
    }

    public async Task<JsonObject> GetJsonAsync(string path)
    {
        var answer = await SendAsync(HttpMethod.Get, path);
        Assert.True(answer.Status == HttpStatusCode.OK, $"GET {path}: {answer}");
        return answer.Json;
    }

    /// <summary>GET /api/orders/{id} until it answers 200 and <paramref name="until"/> holds.</summary>
    public Task<JsonObject> WaitForStoredOrderAsync(long orderId, Func<JsonObject, bool>? until = null, TimeSpan? timeout = null) =>
        Poll.UntilAsync(
            () => SendAsync(HttpMethod.Get, $"api/orders/{orderId}"),
            a => a.Status == HttpStatusCode.OK && (until is null || until(a.Json)),
            $"order {orderId} stored as expected",
            timeout,
            a => a.ToString()).ContinueWith(t => t.Result.Json, TaskScheduler.Default);

    public async Task<JsonObject?> FraudCaseAsync(long orderId)
    {
        var answer = await SendAsync(HttpMethod.Get, $"api/fraud-cases/{orderId}");
        return answer.Status == HttpStatusCode.OK ? answer.Json : null;
    }

    public Task<JsonObject?> WaitForCaseAsync(long orderId, string state, TimeSpan? timeout = null) =>
        Poll.UntilAsync(() => FraudCaseAsync(orderId), c => c?["state"]?.GetValue<string>() == state,
            $"the fraud case of order {orderId} to be {state}", timeout ?? TimeSpan.FromSeconds(90), c => c?.ToJsonString() ?? "no case");

    public static List<string> Steps(JsonObject fraudCase) =>
        fraudCase["steps"]!.AsArray().Select(s => s!["step"]!.GetValue<string>()).ToList();

    /// <summary>Requests the sandbox answered with this method and path prefix.</summary>
    public async Task<List<JsonElement>> MeliCallsAsync(string method, string path) =>
        (await Admin.GetRequestsAsync(method, path)).EnumerateArray().Where(r => r.GetProperty("path").GetString() == path).ToList();

    public async Task<List<JsonElement>> NotesAtMeliAsync(long orderId) =>
        (await Admin.GetNotesAsync()).EnumerateArray().Where(n => n.GetProperty("order_id").GetInt64() == orderId).ToList();

    public TableClient Table(string name) => new(Azurite.ConnectionString, name);

    public QueueClient Queue(string name) => new(Azurite.ConnectionString, name);

    public async Task DisposeAsync()
    {
        if (_front is not null)
        {
            await _front.DisposeAsync();
        }

        foreach (var host in Hosts)
        {
            await host.DisposeAsync();
        }

        if (Sandbox is not null)
        {
            await Sandbox.DisposeAsync();
        }

        if (Azurite is not null)
        {
            await Azurite.DisposeAsync();
        }
    }
}

/// <summary>An HTTP answer: status, body text, and whether it was an idempotent replay.</summary>
public sealed record Answer(HttpStatusCode Status, string Text, bool Replayed = false)
{
    public JsonObject Json => Node as JsonObject ?? [];

    public JsonNode? Node => Text.Length > 0 ? JsonNode.Parse(Text) : null;

    public string? Error => Json["error"]?.GetValue<string>();

    public override string ToString() => $"{(int)Status} {Text}";
}

[CollectionDefinition(Name)]
public sealed class AppCollection : ICollectionFixture<AppWorld>
{
    public const string Name = "The App under the Functions host";
}
