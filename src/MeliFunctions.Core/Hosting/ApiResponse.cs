using System.Text.Json;
using System.Text.Json.Nodes;

namespace MeliFunctions.Hosting;

/// <summary>
/// A host-neutral HTTP answer: both hosts turn it into their own response type.
/// The body is UTF-8 JSON (or null for no body); <see cref="Cookies"/> become <c>Set-Cookie</c> headers.
/// </summary>
public sealed record ApiResponse(int StatusCode, string? JsonBody = null, IReadOnlyDictionary<string, string>? Headers = null)
{
    /// <summary>Cookies the answer sets (or clears, with a zero <see cref="ResponseCookie.MaxAge"/>).</summary>
    public IReadOnlyList<ResponseCookie> Cookies { get; init; } = [];

    public ApiResponse WithCookie(ResponseCookie cookie) => this with { Cookies = [.. Cookies, cookie] };

    public static ApiResponse Json(int status, JsonNode body) => new(status, body.ToJsonString(JsonDefaults.Options));


    /// <summary>An error answer a person can act on: <c>{"error": code, "message": reason}</c>.</summary>
    public static ApiResponse Error(int status, string error, string message) =>
        Json(status, new JsonObject { ["error"] = error, ["message"] = message, ["status"] = status });

    public static ApiResponse Redirect(string location) =>
        new(302, null, new Dictionary<string, string> { ["Location"] = location });

    public static ApiResponse NotFound(string message) => Error(404, "not_found", message);
}

/// <summary>
/// A cookie set by an answer: always <c>HttpOnly</c> and <c>SameSite=Lax</c> (sent on a top-level
/// navigation from another site, as Mercado Libre's redirect back to us, never on its sub-requests);
/// <c>Secure</c> when the app is reached over HTTPS.
/// </summary>
public sealed record ResponseCookie(string Name, string Value, string Path, TimeSpan MaxAge, bool Secure);

public static class JsonDefaults
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = false,
    };
}
