using System.Net;
using System.Text.Json;

namespace MeliFunctions.MercadoLibre;

/// <summary>What to do about a failed Mercado Libre call.</summary>
public enum MeliErrorKind
{
    /// <summary>429, 5xx, timeouts, network errors, a 401 that survived a refresh: try again later.</summary>
    Transient,

    /// <summary>404 order_not_found, 403 not_owned_order, 400 invalid_order_id...: retrying cannot help; park it with the reason.</summary>
    Permanent,

    /// <summary>The seller's refresh token is dead (invalid_grant): the seller must connect again.</summary>
    SellerDisconnected,
}

/// <summary>
/// A Mercado Libre error, classified. Its message carries MeLi's status, code and message, never a
/// token or the client secret.
/// </summary>
public sealed class MeliApiException : Exception
{
    public MeliApiException(MeliErrorKind kind, int status, string? error, string message, string? body = null, Exception? inner = null)
        : base($"Mercado Libre answered {status}{(error is null ? "" : " " + error)}: {message}", inner)
    {
        Kind = kind;
        Status = status;
        Error = error;
        MeliMessage = message;
        Body = body;
    }

    public MeliErrorKind Kind { get; }

    /// <summary>The HTTP status (0 for a network error or a timeout).</summary>
    public int Status { get; }

    /// <summary>MeLi's <c>error</c> code, e.g. <c>order_not_found</c>.</summary>
    public string? Error { get; }

    public string MeliMessage { get; }

    /// <summary>MeLi's error body as it came (it never holds our tokens).</summary>
    public string? Body { get; }

    /// <summary>Reads MeLi's error body <c>{"message","error","status","cause"}</c> and classifies it.</summary>
    public static MeliApiException FromResponse(HttpStatusCode status, string? body)
    {
        string? error = null;
        string message = status.ToString();
        if (!string.IsNullOrWhiteSpace(body))
        {
            try
            {
                using var document = JsonDocument.Parse(body);
                if (document.RootElement.ValueKind == JsonValueKind.Object)
                {
                    if (document.RootElement.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.String)
                    {
                        error = e.GetString();
                    }

                    if (document.RootElement.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String)
                    {
                        message = m.GetString() ?? message;
                    }
                    else if (document.RootElement.TryGetProperty("error_description", out var d) && d.ValueKind == JsonValueKind.String)
                    {
                        message = d.GetString() ?? message;
                    }
                }
            }
            catch (JsonException)
            {
                body = body.Length > 500 ? body[..500] : body;
            }
        }

        return new MeliApiException(Classify((int)status, error), (int)status, error, message, body);
    }

    public static MeliErrorKind Classify(int status, string? error) => (status, error) switch
    {
        (400, "invalid_grant") => MeliErrorKind.SellerDisconnected,
        (408 or 429, _) => MeliErrorKind.Transient,
        (var code, _) when code >= 500 => MeliErrorKind.Transient,
        (401, _) => MeliErrorKind.Transient,
        (0, _) => MeliErrorKind.Transient,
        _ => MeliErrorKind.Permanent,
    };
}
