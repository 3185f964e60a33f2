using MeliFunctions.Hosting;
using MeliFunctions.MercadoLibre.OAuth;
using MeliFunctions.Notifications;
using MeliFunctions.SellerActions;
using Microsoft.AspNetCore.Http;

namespace MeliFunctions.Http;

/// <summary>What Core needs from an HTTP request, read the same way in both hosts.</summary>
public static class HttpRequestExtensions
{
    /// <summary>Where this app is reached (<c>scheme://host/pathbase/</c>), e.g. for the OAuth redirect URI.</summary>
    public static Uri BaseUrl(this HttpRequest req) => new($"{req.Scheme}://{req.Host}{req.PathBase}/");

    /// <summary>
    /// True when the caller reached the app over HTTPS: the connection, or the front end's
    /// <c>X-Forwarded-Proto</c> (Azure terminates TLS before the app). Only marks cookies Secure.
    /// </summary>
    public static bool CameOverHttps(this HttpRequest req) =>
        req.IsHttps || string.Equals(req.Headers["X-Forwarded-Proto"].FirstOrDefault(), "https", StringComparison.OrdinalIgnoreCase);

    /// <summary>Mercado Libre's redirect to the OAuth callback: the query and the cookie that binds its state to this browser.</summary>
    public static OAuthCallbackRequest ToOAuthCallback(this HttpRequest req)
    {
        var state = req.Query["state"].FirstOrDefault();
        return new OAuthCallbackRequest(
            req.Query["code"].FirstOrDefault(),
            state,
            req.Query["error"].FirstOrDefault(),
            string.IsNullOrEmpty(state) ? null : req.Cookies[OAuthFlow.CookieName(state)]);
    }

    /// <summary>The parts of Mercado Libre's webhook call the intake checks.</summary>
    public static IntakeRequest ToIntakeRequest(this HttpRequest req) => new(
        req.ContentType,
        req.ContentLength,
        req.Body,
        IntakeRequest.CallerAddress(req.Headers["X-Forwarded-For"], req.HttpContext.Connection.RemoteIpAddress),
        req.Query["secret"]);

    /// <summary>The <c>Idempotency-Key</c> header (seller actions, stock adjustments), if sent.</summary>
    public static string? IdempotencyKey(this HttpRequest req) => req.Headers[RequestKeys.IdempotencyKeyHeader].FirstOrDefault();

    /// <summary>The query string, one value per name (a repeated name keeps its values comma-joined, as MeLi's lists).</summary>
    public static IReadOnlyDictionary<string, string?> QueryValues(this HttpRequest req) =>
        req.Query.ToDictionary(kv => kv.Key, kv => (string?)kv.Value.ToString(), StringComparer.Ordinal);

    /// <summary>True when the query parameter is <c>true</c> (any case), as <c>?wait=true</c>.</summary>
    public static bool QueryFlag(this HttpRequest req, string name) => string.Equals(req.Query[name], "true", StringComparison.OrdinalIgnoreCase);
}
