using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using MeliFunctions.Hosting;
using MeliFunctions.MercadoLibre.OAuth;
using Microsoft.Extensions.Logging;
using Polly.Timeout;

namespace MeliFunctions.MercadoLibre;

/// <summary>An order as Mercado Libre answered it; <see cref="MissingBlocks"/> lists what a 206 left out.</summary>
public sealed record MeliOrderResponse(JsonObject Order, IReadOnlyList<string> MissingBlocks)
{
    public bool IsPartial => MissingBlocks.Count > 0;
}

/// <summary>
/// Calls the Mercado Libre API as a seller: Bearer token, every attempt within the seller's request
/// budget (<see cref="Budget.MeliRequestBudget"/>, a step of the named client's resilience pipeline),
/// backoff with jitter on 429, 5xx and timeouts, one refresh-and-retry on 401, and every failure
/// classified as a <see cref="MeliApiException"/>.
/// </summary>
public sealed partial class MeliApiClient(
    IHttpClientFactory httpClientFactory,
    MeliTokenProvider tokens,
    MeliMetrics metrics,
    ILogger<MeliApiClient> logger)
{
    public const string HttpClientName = "meli";

    public async Task<MeliOrderResponse> GetOrderAsync(string sellerId, long orderId, CancellationToken cancellationToken)
    {
        var (json, headers) = await SendForJsonAsync(sellerId, "orders.get", () => new HttpRequestMessage(HttpMethod.Get, $"orders/{orderId}"), cancellationToken);
        if (json is not JsonObject order)
        {
            throw new MeliApiException(MeliErrorKind.Transient, 200, "invalid_response", $"GET /orders/{orderId} did not answer an object");
        }

        var missing = headers.TryGetValues("X-Content-Missing", out var values)
            ? values.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList()
            : [];
        return new MeliOrderResponse(order, missing);
    }

    /// <summary>Any GET that answers JSON (shipments need <c>x-format-new: true</c>: pass it in <paramref name="headers"/>).</summary>
    private async Task<JsonNode?> GetJsonAsync(string sellerId, string operation, string relativeUrl, CancellationToken cancellationToken, IReadOnlyDictionary<string, string>? headers = null)
    {
        var (json, _) = await SendForJsonAsync(sellerId, operation, () =>
        {
            var request = new HttpRequestMessage(HttpMethod.Get, relativeUrl);
            foreach (var (name, value) in headers ?? new Dictionary<string, string>())
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }

            return request;
        }, cancellationToken);
        return json;
    }

    /// <summary>Sends a request built by <paramref name="build"/> (called again for the retry after a 401) and reads its JSON answer.</summary>
    private async Task<(JsonNode? Json, HttpResponseHeaders Headers)> SendForJsonAsync(
        string sellerId, string operation, Func<HttpRequestMessage> build, CancellationToken cancellationToken)
    {
        var token = await tokens.GetAccessTokenAsync(sellerId, cancellationToken);
        using var first = await SendOnceAsync(sellerId, build, token, operation, cancellationToken);
        if (first.StatusCode != HttpStatusCode.Unauthorized)
        {
            return await ReadAsync(first, operation, cancellationToken);
        }

        logger.LogInformation("Mercado Libre answered 401 to {Operation} for seller {SellerId}; refreshing the token once", operation, sellerId);
        token = await tokens.RefreshAfterUnauthorizedAsync(sellerId, token, cancellationToken);
        using var second = await SendOnceAsync(sellerId, build, token, operation, cancellationToken);
        return await ReadAsync(second, operation, cancellationToken);
    }

    private async Task<HttpResponseMessage> SendOnceAsync(string sellerId, Func<HttpRequestMessage> build, string token, string operation, CancellationToken cancellationToken)
    {
        using var request = build();
        request.Options.Set(Budget.MeliBudgetStrategy.SellerKey, sellerId);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        request.Headers.Accept.ParseAdd("application/json");
        metrics.MeliCall(operation);
        try
        {
            return await httpClientFactory.CreateClient(HttpClientName).SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
        }
        catch (Exception ex) when (ex is HttpRequestException or TimeoutRejectedException || (ex is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            metrics.MeliError(0, "network_error");
            throw new MeliApiException(MeliErrorKind.Transient, 0, ex is HttpRequestException ? "network_error" : "timeout", $"{operation} failed: {ex.GetType().Name}");
        }
    }

    private async Task<(JsonNode? Json, HttpResponseHeaders Headers)> ReadAsync(HttpResponseMessage response, string operation, CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            var error = MeliApiException.FromResponse(response.StatusCode, body);
            metrics.MeliError(error.Status, error.Error);
            throw error;
        }

        try
        {
            return (string.IsNullOrWhiteSpace(body) ? null : JsonNode.Parse(body), response.Headers);
        }
        catch (System.Text.Json.JsonException)
        {
            throw new MeliApiException(MeliErrorKind.Transient, (int)response.StatusCode, "invalid_response", $"{operation} answered a body that is not JSON");
        }
    }
}
