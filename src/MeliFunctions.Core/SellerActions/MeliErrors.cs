using System.Text.Json.Nodes;
using MeliFunctions.Hosting;
using MeliFunctions.MercadoLibre;

namespace MeliFunctions.SellerActions;

/// <summary>Mercado Libre's errors as our answers: never a 500.</summary>
public static class MeliErrors
{
    /// <summary>
    /// MeLi's 4xx refusals keep their status and MeLi's code (<c>{"error": code, "message", "meli": {...}}</c>)
    /// and are final (<c>Keep</c>). 5xx and network errors are 502, timeouts 504, 429 stays 429, a
    /// disconnected seller 409: all with <c>retryable</c>, and the idempotency key is released.
    /// </summary>
    public static (ApiResponse Response, bool Keep) ToResponse(MeliApiException ex)
    {
        var meli = new JsonObject
        {
            ["status"] = ex.Status,
            ["error"] = ex.Error,
            ["message"] = ex.MeliMessage,
            ["body"] = OrderActionRow.Parse(ex.Body),
        };

        if (ex.Kind == MeliErrorKind.SellerDisconnected)
        {
            return (Answer(409, ex.Error ?? "seller_disconnected", "The seller must connect the app again (GET /api/oauth/start); then retry with the same Idempotency-Key.", false, meli), false);
        }

        return ex.Status switch
        {
            0 when ex.Error == "timeout" => (Answer(504, "meli_timeout", "Mercado Libre did not answer in time. It may or may not have done it: retry with the same Idempotency-Key.", true, meli), false),
            0 => (Answer(502, "meli_unreachable", "Mercado Libre could not be reached: retry with the same Idempotency-Key.", true, meli), false),
            408 => (Answer(504, "meli_timeout", "Mercado Libre timed out: retry with the same Idempotency-Key.", true, meli), false),
            429 => (Answer(429, ex.Error ?? "too_many_requests", "Mercado Libre is limiting this seller's calls: retry with the same Idempotency-Key in a few seconds.", true, meli, retryAfter: "5"), false),
            401 => (Answer(502, "meli_unauthorized", "Mercado Libre refused the seller's token even after a refresh: retry later with the same Idempotency-Key.", true, meli), false),
            >= 500 => (Answer(502, "meli_unavailable", $"Mercado Libre answered {ex.Status}: retry with the same Idempotency-Key.", true, meli), false),
            _ => (Answer(ex.Status, ex.Error ?? "meli_error", ex.MeliMessage, false, meli), true),
        };
    }

    /// <summary>For reads (no idempotency key): the same mapping, without the key advice.</summary>
    public static ApiResponse ForRead(MeliApiException ex) => ToResponse(ex).Response;

    private static ApiResponse Answer(int status, string error, string message, bool retryable, JsonObject meli, string? retryAfter = null)
    {
        var body = new JsonObject
        {
            ["error"] = error,
            ["message"] = message,
            ["status"] = status,
            ["retryable"] = retryable,
            ["meli"] = meli,
        };
        return new ApiResponse(status, body.ToJsonString(JsonDefaults.Options), retryAfter is null ? null : new Dictionary<string, string> { ["Retry-After"] = retryAfter });
    }
}
