using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Azure.Storage.Queues;
using MeliFunctions.Queueing;
using MeliFunctions.Sandbox;
using MeliFunctions.Storage;
using Microsoft.AspNetCore.Builder;

namespace MeliFunctions.Tests.Infrastructure;

/// <summary>
/// The whole product on loopback: a real Azurite, the Mercado Libre sandbox notifying the Server's
/// webhook, and the Server with its queue pump. <see cref="ConnectSellerAsync"/> connects a seller
/// through the real OAuth flow (/api/oauth/start, the sandbox's authorization page, the callback).
/// </summary>
public class MeliWorld : IAsyncLifetime
{
    public MeliWorld()
    {
    }

    /// <summary>For fixtures that need other Server settings or services (a log capture, shorter delays).</summary>
    protected MeliWorld(IDictionary<string, string?> settings, Action<WebApplicationBuilder>? configureServer = null)
    {
        foreach (var (key, value) in settings)
        {
            ServerSettings[key] = value;
        }

        ConfigureServer = configureServer;
    }

    /// <summary>Registers services in the Server before it starts (set before <see cref="InitializeAsync"/>).</summary>
    public Action<WebApplicationBuilder>? ConfigureServer { get; }

    public Azurite Azurite { get; private set; } = null!;

    public MeliSandbox Sandbox { get; private set; } = null!;

    public ServerHost Server { get; private set; } = null!;

    public SandboxAdminClient Admin { get; private set; } = null!;

    /// <summary>Extra Server settings a test class wants (set before <see cref="InitializeAsync"/>).</summary>
    public Dictionary<string, string?> ServerSettings { get; } = [];

    public virtual async Task InitializeAsync()
    {
        Azurite = await Azurite.StartAsync();
        Sandbox = await MeliSandbox.StartAsync(new SandboxOptions
        {
            AppId = ServerHost.AppId,
            ClientSecret = ServerHost.ClientSecret,
            NotificationRetryInterval = TimeSpan.FromMilliseconds(200),
        });
        Admin = new SandboxAdminClient(new HttpClient { BaseAddress = Sandbox.BaseUrl });
        await StartServerAsync();
    }

    /// <summary>Stops the Server (as a crash would, mid-work) and starts a new one on the same storage and sandbox.</summary>
    public async Task RestartServerAsync()
    {
        await Server.DisposeAsync();
        await StartServerAsync();
    }

    private async Task StartServerAsync()
    {
        Server = await ServerHost.StartAsync(Azurite.ConnectionString, Sandbox.BaseUrl, ServerSettings, ConfigureServer);
        await Admin.SetCallbackUrlAsync(new Uri(Server.BaseUrl, "api/notifications").ToString());
    }

    /// <summary>Creates a seller in the sandbox and connects it the way a seller's browser would.</summary>
    public async Task<long> ConnectSellerAsync(string nickname)
    {
        var seller = await Admin.CreateSellerAsync(nickname);
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        var start = await browser.GetAsync(new Uri(Server.BaseUrl, "api/oauth/start"));
        Assert.Equal(System.Net.HttpStatusCode.Redirect, start.StatusCode);
        var authorize = start.Headers.Location!.ToString() + "&login_as=" + seller.Id;
        var toCallback = await browser.GetAsync(authorize);
        Assert.Equal(System.Net.HttpStatusCode.Redirect, toCallback.StatusCode);
        var callback = await browser.GetAsync(toCallback.Headers.Location);
        var body = await callback.Content.ReadAsStringAsync();
        Assert.True(callback.IsSuccessStatusCode, body);
        Assert.Equal(seller.Id, JsonDocument.Parse(body).RootElement.GetProperty("user_id").GetInt64());
        return seller.Id;
    }

    public async Task<(long OrderId, JsonElement Order)> CreatePaidOrderAsync(long sellerId, int quantity = 1, bool fraud = false)
    {
        var item = await Admin.CreateItemAsync(sellerId, "Zapatillas Running Talle 42", 15999.99m, 10);
        var order = await Admin.CreateOrderAsync(sellerId, item.GetProperty("id").GetString()!, quantity, fraud: fraud);
        return (order.GetProperty("id").GetInt64(), order);
    }

    /// <summary>GET /api/orders/{id} until it answers 200 (the sync is asynchronous) or the timeout passes.</summary>
    public async Task<JsonObject> WaitForStoredOrderAsync(long orderId, Func<JsonObject, bool>? until = null, TimeSpan? timeout = null)
    {
        var answer = await Poll.UntilAsync(
            async () =>
            {
                using var response = await Server.Management.GetAsync($"api/orders/{orderId}");
                var text = await response.Content.ReadAsStringAsync();
                return (Text: $"{(int)response.StatusCode} {text}", Json: response.IsSuccessStatusCode ? JsonNode.Parse(text)!.AsObject() : null);
            },
            a => a.Json is not null && (until is null || until(a.Json)),
            $"order {orderId} stored as expected",
            timeout ?? TimeSpan.FromSeconds(30),
            a => a.Text);
        return answer.Json!;
    }

    /// <summary>The poison queue's messages, unwrapped: (original message, reason).</summary>
    public async Task<List<(string Original, string? Reason, JsonObject Envelope)>> PoisonAsync()
    {
        var messages = await Server.Storage.Queue(StorageNames.NotificationsPoisonQueue).PeekMessagesAsync(32);
        return messages.Value.Select(m =>
        {
            var (original, reason) = PoisonQueue.Unwrap(m.MessageText);
            return (original, reason, JsonNode.Parse(m.MessageText)!.AsObject());
        }).ToList();
    }

    public Task<T> EventuallyAsync<T>(Func<Task<T>> probe, Func<T, bool> done, string what, TimeSpan? timeout = null) =>
        Poll.UntilAsync(probe, done, what, timeout ?? TimeSpan.FromSeconds(30));

    public QueueClient RawQueue(string name) => new(Azurite.ConnectionString, name);

    public virtual async Task DisposeAsync()
    {
        // Null-safe: when start-up failed half way, the failure that matters is start-up's, not this.
        if (Server is not null)
        {
            await Server.DisposeAsync();
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
