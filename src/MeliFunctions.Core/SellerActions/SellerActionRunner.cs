using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using MeliFunctions.Hosting;
using MeliFunctions.MercadoLibre;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MeliFunctions.SellerActions;

/// <summary>One seller action: the Mercado Libre call it makes and what to record.</summary>
/// <param name="Operation">e.g. <c>feedback</c>, <c>note_add</c>, <c>tracking_number</c>.</param>
/// <param name="Source"><c>api</c>, or <c>auto_feedback_on_delivered</c>.</param>
/// <param name="SuccessStatus">Our status when MeLi accepts it (201 for what creates, else 200).</param>
public sealed record SellerActionCall(
    string SellerId,
    long? OrderId,
    string IdempotencyKey,
    string Operation,
    string Source,
    HttpMethod Method,
    string RelativeUrl,
    JsonObject? Body,
    int SuccessStatus);

/// <summary>
/// Runs a seller action once per idempotency key: an ETag-guarded record (pending, then done with the
/// answer) in <c>SellerActions</c> makes a retried or concurrent request with the same key replay the
/// first answer instead of calling Mercado Libre again. Each action and its outcome is also recorded
/// with its order (<c>OrderActions</c>).
/// </summary>
/// <remarks>
/// A MeLi refusal (4xx) is an answer and is kept. A failure that may pass (5xx, timeout, 429, network,
/// a disconnected seller) releases the key, so the client retries with the same key. A record left
/// pending by a host that died during the call is taken over after <see cref="SellerActionsOptions.AbandonedAfter"/>;
/// that retry calls Mercado Libre again.
/// </remarks>
public sealed class SellerActionRunner(
    MeliApiClient meli,
    ActionRecordStore records,
    IOptions<SellerActionsOptions> options,
    TimeProvider time,
    ILogger<SellerActionRunner> logger)
{
    public const string ReplayedHeader = "Idempotent-Replayed";

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    public async Task<ApiResponse> RunAsync(SellerActionCall call, CancellationToken cancellationToken)
    {
        using var scope = logger.BeginScope(new Dictionary<string, object?> { ["SellerId"] = call.SellerId, ["OrderId"] = call.OrderId, ["Operation"] = call.Operation });
        var fingerprint = Fingerprint(call);
        var owned = await ClaimAsync(call, fingerprint, cancellationToken);
        if (owned.Answer is { } answer)
        {
            return answer;
        }

        var record = owned.Record!;
        var startedAt = record.StartedAt;
        await TryHistoryAsync(Row(call, ActionStates.Pending, startedAt, null, null, null, null), cancellationToken);

        ApiResponse response;
        bool keep;
        string? meliError = null;
        string? result = null;
        try
        {
            var (json, _) = await meli.SendForJsonAsync(call.SellerId, "actions." + call.Operation, () => Build(call), cancellationToken);
            var body = Envelope(call);
            body["meli"] = json?.DeepClone();
            response = ApiResponse.Json(call.SuccessStatus, body);
            result = json?.ToJsonString();
            keep = true;
            logger.LogInformation("Seller action {Operation} for seller {SellerId}, order {OrderId}: Mercado Libre accepted it", call.Operation, call.SellerId, call.OrderId);
        }
        catch (MeliApiException ex)
        {
            (response, keep) = MeliErrors.ToResponse(ex);
            meliError = ex.Error ?? ex.Status.ToString(System.Globalization.CultureInfo.InvariantCulture);
            result = ex.Body;
            logger.LogWarning("Seller action {Operation} for seller {SellerId}, order {OrderId}: Mercado Libre answered {MeliStatus} {MeliError}; we answer {Status}{Released}",
                call.Operation, call.SellerId, call.OrderId, ex.Status, ex.Error, response.StatusCode, keep ? "" : " and release the key for a retry");
        }

        if (keep)
        {
            var done = record with { State = ActionStates.Done, ResponseStatus = response.StatusCode, ResponseBody = response.JsonBody };
            if (await records.TryReplaceAsync(done, cancellationToken) is null)
            {
                logger.LogWarning("Idempotency key of {Operation} for seller {SellerId} was taken over during the call; the answer is not kept", call.Operation, call.SellerId);
            }
        }
        else
        {
            await records.ReleaseAsync(record, cancellationToken);
        }

        var state = response.StatusCode is >= 200 and < 300 ? ActionStates.Done : ActionStates.Failed;
        await TryHistoryAsync(Row(call, state, startedAt, response.StatusCode, meliError, result, time.GetUtcNow()), cancellationToken);
        return response;
    }

    /// <summary>Takes the key (a new record, or an abandoned one), or answers for it (a replay, a conflict).</summary>
    private async Task<(IdempotencyRecord? Record, ApiResponse? Answer)> ClaimAsync(SellerActionCall call, string fingerprint, CancellationToken cancellationToken)
    {
        var waitUntil = time.GetUtcNow() + options.Value.ConcurrentRetryWait;
        while (true)
        {
            var now = time.GetUtcNow();
            var fresh = new IdempotencyRecord(call.SellerId, call.IdempotencyKey, ActionStates.Pending, fingerprint, call.Operation, call.OrderId,
                Guid.NewGuid().ToString("N"), now, null, null, default);
            if (await records.TryAddPendingAsync(fresh, cancellationToken) is { } added)
            {
                return (added, null);
            }

            var existing = await records.GetAsync(call.SellerId, call.IdempotencyKey, cancellationToken);
            if (existing is null)
            {
                continue; // released meanwhile: try to take it
            }

            if (existing.Fingerprint != fingerprint)
            {
                return (null, ApiResponse.Error(422, "idempotency_key_reused",
                    $"Idempotency-Key '{call.IdempotencyKey}' was already used for another request ({existing.Operation}{(existing.OrderId is { } o ? $" on order {o}" : "")}); use a new key for a new request."));
            }

            if (existing.State == ActionStates.Done && existing.ResponseStatus is { } status)
            {
                logger.LogInformation("Seller action {Operation} for seller {SellerId}: key replayed, no Mercado Libre call", call.Operation, call.SellerId);
                return (null, new ApiResponse(status, existing.ResponseBody, new Dictionary<string, string> { [ReplayedHeader] = "true" }));
            }

            if (now - existing.StartedAt >= options.Value.AbandonedAfter)
            {
                var takeover = existing with { Owner = fresh.Owner, StartedAt = now };
                if (await records.TryReplaceAsync(takeover, cancellationToken) is { } taken)
                {
                    logger.LogWarning("Seller action {Operation} for seller {SellerId}: key pending since {StartedAt} taken over; calling Mercado Libre again",
                        call.Operation, call.SellerId, existing.StartedAt);
                    return (taken, null);
                }

                continue;
            }

            if (now >= waitUntil)
            {
                var body = new JsonObject
                {
                    ["error"] = "request_in_progress",
                    ["message"] = $"A request with Idempotency-Key '{call.IdempotencyKey}' is still calling Mercado Libre; retry with the same key to get its answer.",
                    ["status"] = 409,
                    ["retryable"] = true,
                };
                return (null, new ApiResponse(409, body.ToJsonString(JsonDefaults.Options), new Dictionary<string, string> { ["Retry-After"] = "1" }));
            }

            await Task.Delay(PollInterval, time, cancellationToken);
        }
    }

    private async Task TryHistoryAsync(OrderActionRow? row, CancellationToken cancellationToken)
    {
        if (row is null)
        {
            return;
        }

        try
        {
            await records.UpsertHistoryAsync(row, cancellationToken);
        }
        catch (Azure.RequestFailedException ex)
        {
            // The idempotency record is the truth; the history is what operators read.
            logger.LogWarning(ex, "Seller action {Operation} of order {OrderId} not written to the order's history", row.Operation, row.OrderId);
        }
    }

    private static OrderActionRow? Row(SellerActionCall call, string state, DateTimeOffset createdAt, int? status, string? error, string? result, DateTimeOffset? completedAt) =>
        call.OrderId is { } orderId
            ? new OrderActionRow(orderId, call.IdempotencyKey, call.SellerId, call.Operation, call.Source, state, call.Body?.ToJsonString(), status, error, result, createdAt, completedAt)
            : null;

    private static JsonObject Envelope(SellerActionCall call) => new()
    {
        ["idempotency_key"] = call.IdempotencyKey,
        ["operation"] = call.Operation,
        ["seller_id"] = call.SellerId,
        ["order_id"] = call.OrderId,
    };

    private static HttpRequestMessage Build(SellerActionCall call)
    {
        var request = new HttpRequestMessage(call.Method, call.RelativeUrl);
        if (call.Body is not null)
        {
            request.Content = new StringContent(call.Body.ToJsonString(), Encoding.UTF8);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        }

        return request;
    }

    /// <summary>What makes two requests "the same": the operation, the MeLi call and its body.</summary>
    internal static string Fingerprint(SellerActionCall call)
    {
        var text = $"{call.Operation}|{call.Method.Method}|{call.RelativeUrl}|{call.Body?.ToJsonString()}";
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }
}
