using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using MeliFunctions.MercadoLibre;
using MeliFunctions.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace MeliFunctions.Tests.SellerActions;

/// <summary>A request our MeLi client sent, as it left the process (the sandbox's log keeps no headers).</summary>
public sealed record SentRequest(string Method, string Path, string? AuthorizationScheme, bool HasToken, string? ContentType);

/// <summary>The whole product with automatic feedback on, timers off, and every MeLi request's headers captured.</summary>
public sealed class SellerActionWorld : MeliWorld
{
    public const string AutoMessage = "Thanks for buying from us: enjoy it!";

    public SellerActionWorld()
        : this(new ConcurrentQueue<SentRequest>())
    {
    }

    private SellerActionWorld(ConcurrentQueue<SentRequest> sent)
        : base(new Dictionary<string, string?>
        {
            ["Server:TimersEnabled"] = "false",
            ["SellerActions:AutoFeedbackOnDelivered"] = "true",
            ["SellerActions:AutoFeedbackMessage"] = AutoMessage,
        }, builder => builder.Services.AddHttpClient(MeliApiClient.HttpClientName).AddHttpMessageHandler(() => new CaptureHandler(sent))) =>
        Sent = sent;

    public ConcurrentQueue<SentRequest> Sent { get; }

    /// <summary>A connected seller with one paid order, stored.</summary>
    public async Task<(long SellerId, long OrderId, JsonObject Stored)> SellerWithOrderAsync(string nickname)
    {
        var sellerId = await ConnectSellerAsync(nickname);
        var (orderId, _) = await CreatePaidOrderAsync(sellerId);
        var stored = await WaitForStoredOrderAsync(orderId);
        return (sellerId, orderId, stored);
    }

    public async Task<Answer> SendAsync(HttpMethod method, string path, JsonNode? body, string? key)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }

        if (key is not null)
        {
            request.Headers.Add("Idempotency-Key", key);
        }

        using var response = await Server.Management.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return new Answer(response.StatusCode, text, response.Headers.TryGetValues("Idempotent-Replayed", out var r) && r.Contains("true"));
    }

    /// <summary>MeLi calls the sandbox answered with this method and exactly this path.</summary>
    public async Task<List<JsonElement>> MeliCallsAsync(string method, string path) =>
        (await Admin.GetRequestsAsync(method, path)).EnumerateArray().Where(r => r.GetProperty("path").GetString() == path).ToList();

    public async Task<List<JsonElement>> FeedbackLedgerAsync(long orderId) =>
        (await Admin.GetFeedbackAsync()).EnumerateArray().Where(f => f.GetProperty("order_id").GetInt64() == orderId).ToList();

    public async Task<List<JsonElement>> NotesLedgerAsync(long orderId) =>
        (await Admin.GetNotesAsync()).EnumerateArray().Where(n => n.GetProperty("order_id").GetInt64() == orderId).ToList();

    public async Task<JsonObject> ActionsOfAsync(long orderId)
    {
        var response = await Server.Management.GetFromJsonAsync<JsonObject>($"api/orders/{orderId}");
        return response!["_sync"]!["actions"]!.AsObject();
    }

    public T Service<T>() where T : notnull => Server.App.Services.GetRequiredService<T>();

    private sealed class CaptureHandler(ConcurrentQueue<SentRequest> sent) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            sent.Enqueue(new SentRequest(
                request.Method.Method,
                request.RequestUri!.AbsolutePath,
                request.Headers.Authorization?.Scheme,
                !string.IsNullOrEmpty(request.Headers.Authorization?.Parameter),
                request.Content?.Headers.ContentType?.MediaType));
            return base.SendAsync(request, cancellationToken);
        }
    }
}

public sealed record Answer(HttpStatusCode Status, string Text, bool Replayed)
{
    public JsonObject Json => JsonNode.Parse(Text)!.AsObject();

    public string? Error => Json["error"]?.GetValue<string>();

    public override string ToString() => $"{(int)Status} {Text}";
}
