using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MeliFunctions.Sandbox;

/// <summary>A seller created in the sandbox.</summary>
public sealed record SandboxSeller(long Id, string Nickname);

/// <summary>
/// Typed client over the sandbox admin API (<c>/_sandbox</c>). Bodies use MeLi's snake_case field
/// names; see docs/sandbox.md. Every call throws <see cref="HttpRequestException"/> on a non-success answer.
/// </summary>
public sealed class SandboxAdminClient
{
    private readonly HttpClient _http;

    /// <param name="http">a client whose BaseAddress is the sandbox base URL</param>
    public SandboxAdminClient(HttpClient http)
    {
        ArgumentNullException.ThrowIfNull(http);
        _http = http;
    }

    /// <summary><c>POST /_sandbox/sellers</c>.</summary>
    public async Task<SandboxSeller> CreateSellerAsync(string nickname, long? id = null, CancellationToken ct = default)
    {
        var body = await SendAsync(HttpMethod.Post, "_sandbox/sellers", new JsonObject { ["nickname"] = nickname, ["id"] = id }, ct);
        return new SandboxSeller(body.GetProperty("id").GetInt64(), body.GetProperty("nickname").GetString()!);
    }

    /// <summary><c>POST /_sandbox/sellers/{id}/authorization-codes</c>: an authorization code, as the /authorization flow would give.</summary>
    public async Task<string> CreateAuthorizationCodeAsync(long sellerId, string redirectUri, CancellationToken ct = default)
    {
        var body = await SendAsync(HttpMethod.Post, $"_sandbox/sellers/{sellerId}/authorization-codes", new JsonObject { ["redirect_uri"] = redirectUri }, ct);
        return body.GetProperty("code").GetString()!;
    }

    /// <summary><c>POST /_sandbox/items</c> with <c>seller_id, title, price, currency_id, available_quantity, variations, status</c>.</summary>
    public Task<JsonElement> CreateItemAsync(JsonObject item, CancellationToken ct = default) => SendAsync(HttpMethod.Post, "_sandbox/items", item, ct);

    /// <summary>Creates a listing without variations.</summary>
    public Task<JsonElement> CreateItemAsync(long sellerId, string title, decimal price, int availableQuantity, string currencyId = "ARS", CancellationToken ct = default) =>
        CreateItemAsync(new JsonObject
        {
            ["seller_id"] = sellerId,
            ["title"] = title,
            ["price"] = price,
            ["currency_id"] = currencyId,
            ["available_quantity"] = availableQuantity,
        }, ct);

    /// <summary><c>GET /_sandbox/items/{id}</c>: the listing as the sandbox holds it.</summary>
    public Task<JsonElement> GetItemAsync(string itemId, CancellationToken ct = default) => SendAsync(HttpMethod.Get, $"_sandbox/items/{itemId}", null, ct);

    /// <summary><c>POST /_sandbox/orders</c>: the created order, or <c>{pack_id, shipment_id, orders}</c> for a pack.</summary>
    public Task<JsonElement> CreateOrderAsync(JsonObject order, CancellationToken ct = default) => SendAsync(HttpMethod.Post, "_sandbox/orders", order, ct);

    /// <summary>Creates a one-item order.</summary>
    public Task<JsonElement> CreateOrderAsync(long sellerId, string itemId, int quantity = 1, string status = "paid", string shipping = "me2", bool fraud = false, CancellationToken ct = default) =>
        CreateOrderAsync(new JsonObject
        {
            ["seller_id"] = sellerId,
            ["items"] = new JsonArray(new JsonObject { ["item_id"] = itemId, ["quantity"] = quantity }),
            ["status"] = status,
            ["shipping"] = shipping,
            ["fraud"] = fraud,
        }, ct);

    /// <summary><c>GET /_sandbox/orders/{id}</c>: the order as the sandbox holds it (no stale reads, no faults).</summary>
    public Task<JsonElement> GetOrderAsync(long orderId, CancellationToken ct = default) => SendAsync(HttpMethod.Get, $"_sandbox/orders/{orderId}", null, ct);

    /// <summary><c>POST /_sandbox/orders/{id}/actions/{action}</c>: pay, print-label, ship, deliver, cancel, flag-fraud, clear-fraud, return, touch.</summary>
    public Task<JsonElement> OrderActionAsync(long orderId, string action, string? requestedBy = null, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, $"_sandbox/orders/{orderId}/actions/{action}", requestedBy is null ? null : new JsonObject { ["requested_by"] = requestedBy }, ct);

    /// <summary><c>POST /_sandbox/notify</c>: sends raw notifications.</summary>
    public Task<JsonElement> NotifyAsync(string resource, string topic, long userId, int times = 1, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Post, "_sandbox/notify", new JsonObject { ["resource"] = resource, ["topic"] = topic, ["user_id"] = userId, ["times"] = times }, ct);

    /// <summary><c>GET /_sandbox/config</c>.</summary>
    public Task<JsonElement> GetConfigAsync(CancellationToken ct = default) => SendAsync(HttpMethod.Get, "_sandbox/config", null, ct);

    /// <summary><c>PUT /_sandbox/config</c>: where notifications go (null: nowhere, all missed).</summary>
    public Task<JsonElement> SetCallbackUrlAsync(string? callbackUrl, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Put, "_sandbox/config", new JsonObject { ["callback_url"] = callbackUrl }, ct);

    /// <summary><c>PUT /_sandbox/faults</c> with any of the fault fields (see docs/sandbox.md).</summary>
    public Task<JsonElement> SetFaultsAsync(JsonObject faults, CancellationToken ct = default) => SendAsync(HttpMethod.Put, "_sandbox/faults", faults, ct);

    /// <summary><c>GET /_sandbox/faults</c>.</summary>
    public Task<JsonElement> GetFaultsAsync(CancellationToken ct = default) => SendAsync(HttpMethod.Get, "_sandbox/faults", null, ct);

    /// <summary><c>DELETE /_sandbox/faults</c>: every fault off.</summary>
    public Task<JsonElement> ResetFaultsAsync(CancellationToken ct = default) => SendAsync(HttpMethod.Delete, "_sandbox/faults", null, ct);

    /// <summary><c>GET /_sandbox/requests</c>: the API calls received, oldest first.</summary>
    public Task<JsonElement> GetRequestsAsync(string? method = null, string? pathPrefix = null, long? sellerId = null, CancellationToken ct = default)
    {
        var query = new List<string>();
        if (method is not null)
        {
            query.Add("method=" + Uri.EscapeDataString(method));
        }

        if (pathPrefix is not null)
        {
            query.Add("path_prefix=" + Uri.EscapeDataString(pathPrefix));
        }

        if (sellerId is not null)
        {
            query.Add("seller_id=" + sellerId);
        }

        return SendAsync(HttpMethod.Get, "_sandbox/requests" + (query.Count > 0 ? "?" + string.Join('&', query) : ""), null, ct);
    }

    /// <summary><c>GET /_sandbox/notifications</c>: every notification with its delivery attempts.</summary>
    public Task<JsonElement> GetNotificationsAsync(CancellationToken ct = default) => SendAsync(HttpMethod.Get, "_sandbox/notifications", null, ct);

    /// <summary><c>GET /_sandbox/feedback</c>.</summary>
    public Task<JsonElement> GetFeedbackAsync(CancellationToken ct = default) => SendAsync(HttpMethod.Get, "_sandbox/feedback", null, ct);

    /// <summary><c>GET /_sandbox/stock-updates</c>.</summary>
    public Task<JsonElement> GetStockUpdatesAsync(CancellationToken ct = default) => SendAsync(HttpMethod.Get, "_sandbox/stock-updates", null, ct);

    /// <summary><c>GET /_sandbox/notes</c>.</summary>
    public Task<JsonElement> GetNotesAsync(CancellationToken ct = default) => SendAsync(HttpMethod.Get, "_sandbox/notes", null, ct);

    /// <summary><c>GET /_sandbox/blacklist</c>.</summary>
    public Task<JsonElement> GetBlacklistAsync(CancellationToken ct = default) => SendAsync(HttpMethod.Get, "_sandbox/blacklist", null, ct);

    private async Task<JsonElement> SendAsync(HttpMethod method, string path, JsonObject? body, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        using var response = await _http.SendAsync(request, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"{method} /{path} answered {(int)response.StatusCode}: {text}", null, response.StatusCode);
        }
        using var doc = JsonDocument.Parse(text.Length == 0 ? "null" : text);
        return doc.RootElement.Clone();
    }
}
