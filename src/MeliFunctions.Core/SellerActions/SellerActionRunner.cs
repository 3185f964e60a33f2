using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using MeliFunctions.Hosting;
using MeliFunctions.MercadoLibre;
using MeliFunctions.MercadoLibre.Budget;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace MeliFunctions.SellerActions;

/// <summary>One seller action: the Mercado Libre call it makes and what to record.</summary>
/// <param name="Operation">e.g. <c>feedback</c>, <c>note_add</c>, <c>tracking_number</c>.</param>
/// <param name="Source"><c>api</c>, or <c>auto_feedback_on_delivered</c>.</param>
/// <param name="Request">The Mercado Libre call (<see cref="MeliRequests"/>).</param>
/// <param name="SuccessStatus">Our status when MeLi accepts it (201 for what creates, else 200).</param>
public sealed record SellerActionCall(
    string SellerId,
    long? OrderId,
    string IdempotencyKey,
    string Operation,
    string Source,
    MeliRequest Request,
    int SuccessStatus)
{
    public JsonObject? Body => Request.Body;

    /// <summary>
    /// How to ask Mercado Libre whether this POST was done, when an earlier attempt got no answer in
    /// time. Without one, such a POST is never sent again with the same key.
    /// </summary>
    public OutcomeCheck? Check { get; init; }
}

/// <summary>
/// A read that tells whether a POST was done: <see cref="Read"/> is sent (a GET built by
/// <see cref="MeliRequests"/>) and <see cref="FindOurs"/> picks out what our POST made (given what it
/// answered and when the first attempt began), or null when it is not there.
/// </summary>
public sealed record OutcomeCheck(MeliRequest Read, Func<JsonNode?, DateTimeOffset, JsonNode?> FindOurs);

/// <summary>
/// Runs a seller action once per idempotency key: an ETag-guarded record (pending, then done with the
/// answer) in <c>SellerActions</c> makes a retried or concurrent request with the same key replay the
/// first answer instead of calling Mercado Libre again. Each action and its outcome is also recorded
/// with its order (<c>OrderActions</c>).
/// </summary>
/// <remarks>
/// A MeLi refusal (4xx) is an answer and is kept. A POST that got no answer (a timeout, a network
/// error, a 5xx) may have been done: the key stays held as <see cref="ActionStates.Unknown"/>, and the
/// client's retry with the same key first asks Mercado Libre (<see cref="SellerActionCall.Check"/>:
/// the order's feedback, its notes, the blacklist); only if it is not there is the POST sent again.
/// A failure that cannot have changed anything (429, a 401 after the refresh, a disconnected seller,
/// any failure of a PUT or DELETE, which are safe to repeat) releases the key. A record left pending
/// by a host that died during the call is taken over after <see cref="SellerActionsOptions.AbandonedAfter"/>
/// and checked the same way.
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
        // After live syncs and fraud steps, before sweeps and the reconcile.
        using var priority = MeliCallScope.Begin(MeliPriority.SellerAction);
        var fingerprint = Fingerprint(call);
        var owned = await ClaimAsync(call, fingerprint, cancellationToken);
        if (owned.Answer is { } answer)
        {
            return answer;
        }

        var record = owned.Record!;
        var startedAt = record.FirstAttemptAt;
        await TryHistoryAsync(Row(call, ActionStates.Pending, startedAt, null, null, null, null), cancellationToken);

        var isPost = call.Request.Method == HttpMethod.Post;
        // An earlier attempt's outcome is not known (no answer in time, or its host died): find out before sending.
        var checkPending = owned.Verify && isPost;
        var postInFlight = false;
        var outcomeUnknown = false;
        ApiResponse response;
        bool keep;
        string? meliError = null;
        string? result = null;
        try
        {
            JsonNode? json = null;
            var found = false;
            if (checkPending)
            {
                if (call.Check is not { } check)
                {
                    throw new OutcomeUnknownException();
                }

                var seen = await meli.SendAsync(call.SellerId, check.Read, cancellationToken);
                json = check.FindOurs(seen, record.FirstAttemptAt);
                found = json is not null;
                checkPending = false; // known now: done (found), or not done (send it)
                logger.LogInformation("Seller action {Operation} for seller {SellerId}, order {OrderId}: an earlier attempt got no answer; Mercado Libre {Shows}",
                    call.Operation, call.SellerId, call.OrderId, found ? "shows it done: not sent again" : "does not show it: sending it");
            }

            if (!found)
            {
                // From here until an answer comes, the outcome is unknown again.
                postInFlight = isPost;
                json = await meli.SendAsync(call.SellerId, call.Request, cancellationToken);
                postInFlight = false;
            }

            var body = Envelope(call);
            body["meli"] = json?.DeepClone();
            if (found)
            {
                body["verified"] = true;
            }

            response = ApiResponse.Json(call.SuccessStatus, body);
            result = json?.ToJsonString();
            keep = true;
            logger.LogInformation("Seller action {Operation} for seller {SellerId}, order {OrderId}: Mercado Libre accepted it", call.Operation, call.SellerId, call.OrderId);
        }
        catch (MeliApiException ex)
        {
            (response, keep) = MeliErrors.ToResponse(ex);
            // A refusal answers for the POST; 429, a 401 after the refresh and a disconnected seller mean nothing was done.
            outcomeUnknown = checkPending || (postInFlight && !keep && ex.Kind == MeliErrorKind.Transient && ex.Status is 0 or >= 500);
            meliError = ex.Error ?? ex.Status.ToString(System.Globalization.CultureInfo.InvariantCulture);
            result = ex.Body;
            logger.LogWarning("Seller action {Operation} for seller {SellerId}, order {OrderId}: Mercado Libre answered {MeliStatus} {MeliError}; we answer {Status}{Key}",
                call.Operation, call.SellerId, call.OrderId, ex.Status, ex.Error, response.StatusCode,
                keep ? "" : outcomeUnknown ? " and keep the key until Mercado Libre shows whether it was done" : " and release the key for a retry");
        }
        catch (OutcomeUnknownException)
        {
            response = ApiResponse.Error(409, "outcome_unknown",
                $"An earlier request with Idempotency-Key '{call.IdempotencyKey}' got no answer from Mercado Libre and this action cannot be checked there: look on Mercado Libre, and use a new key to do it again.");
            keep = false;
            outcomeUnknown = true;
        }

        if (keep)
        {
            var done = record with { State = ActionStates.Done, ResponseStatus = response.StatusCode, ResponseBody = response.JsonBody };
            if (await records.TryReplaceAsync(done, cancellationToken) is null)
            {
                logger.LogWarning("Idempotency key of {Operation} for seller {SellerId} was taken over during the call; the answer is not kept", call.Operation, call.SellerId);
            }
        }
        else if (outcomeUnknown)
        {
            await records.TryReplaceAsync(record with { State = ActionStates.Unknown }, CancellationToken.None);
        }
        else
        {
            await records.ReleaseAsync(record, cancellationToken);
        }

        var state = response.StatusCode is >= 200 and < 300 ? ActionStates.Done : outcomeUnknown ? ActionStates.Unknown : ActionStates.Failed;
        await TryHistoryAsync(Row(call, state, startedAt, response.StatusCode, meliError, result, time.GetUtcNow()), cancellationToken);
        return response;
    }

    private sealed class OutcomeUnknownException : Exception;

    /// <summary>
    /// Takes the key (a new record; one whose outcome is unknown, or abandoned: then <c>Verify</c>),
    /// or answers for it (a replay, a conflict, a call still in progress).
    /// </summary>
    private async Task<(IdempotencyRecord? Record, ApiResponse? Answer, bool Verify)> ClaimAsync(SellerActionCall call, string fingerprint, CancellationToken cancellationToken)
    {
        var waitUntil = time.GetUtcNow() + options.Value.ConcurrentRetryWait;
        while (true)
        {
            var now = time.GetUtcNow();
            var fresh = new IdempotencyRecord(call.SellerId, call.IdempotencyKey, ActionStates.Pending, fingerprint, call.Operation, call.OrderId,
                Guid.NewGuid().ToString("N"), now, null, null, default);
            if (await records.TryAddPendingAsync(fresh, cancellationToken) is { } added)
            {
                return (added, null, false);
            }

            var existing = await records.GetAsync(call.SellerId, call.IdempotencyKey, cancellationToken);
            if (existing is null)
            {
                continue; // released meanwhile: try to take it
            }

            if (existing.Fingerprint != fingerprint)
            {
                return (null, ApiResponse.Error(422, "idempotency_key_reused",
                    $"Idempotency-Key '{call.IdempotencyKey}' was already used for another request ({existing.Operation}{(existing.OrderId is { } o ? $" on order {o}" : "")}); use a new key for a new request."), false);
            }

            if (existing.State == ActionStates.Done && existing.ResponseStatus is { } status)
            {
                logger.LogInformation("Seller action {Operation} for seller {SellerId}: key replayed, no Mercado Libre call", call.Operation, call.SellerId);
                return (null, new ApiResponse(status, existing.ResponseBody, new Dictionary<string, string> { [ReplayedHeader] = "true" }), false);
            }

            var unknown = existing.State == ActionStates.Unknown;
            if (unknown || now - existing.StartedAt >= options.Value.AbandonedAfter)
            {
                var takeover = existing with { State = ActionStates.Pending, Owner = fresh.Owner, StartedAt = now };
                if (await records.TryReplaceAsync(takeover, cancellationToken) is { } taken)
                {
                    logger.LogWarning("Seller action {Operation} for seller {SellerId}: key {What} since {StartedAt} taken over; asking Mercado Libre whether it was done",
                        call.Operation, call.SellerId, unknown ? "without a known outcome" : "pending", existing.StartedAt);
                    return (taken, null, true);
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
                return (null, new ApiResponse(409, body.ToJsonString(JsonDefaults.Options), new Dictionary<string, string> { ["Retry-After"] = "1" }), false);
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

    /// <summary>What makes two requests "the same": the operation, the MeLi call and its body.</summary>
    internal static string Fingerprint(SellerActionCall call)
    {
        var text = $"{call.Operation}|{call.Request.Method.Method}|{call.Request.Path}|{call.Body?.ToJsonString()}";
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }
}
