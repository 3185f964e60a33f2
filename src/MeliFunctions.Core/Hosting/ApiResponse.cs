using System.Text.Json;
using System.Text.Json.Nodes;

namespace MeliFunctions.Hosting;

/// <summary>
/// A host-neutral HTTP answer: both hosts turn it into their own response type.
/// The body is UTF-8 JSON (or null for no body).
/// </summary>
public sealed record ApiResponse(int StatusCode, string? JsonBody = null, IReadOnlyDictionary<string, string>? Headers = null)
{
    public static ApiResponse Json(int status, JsonNode body) => new(status, body.ToJsonString(JsonDefaults.Options));


    /// <summary>An error answer a person can act on: <c>{"error": code, "message": reason}</c>.</summary>
    public static ApiResponse Error(int status, string error, string message) =>
        Json(status, new JsonObject { ["error"] = error, ["message"] = message, ["status"] = status });

    public static ApiResponse Redirect(string location) =>
        new(302, null, new Dictionary<string, string> { ["Location"] = location });

    public static ApiResponse NotFound(string message) => Error(404, "not_found", message);
}

public static class JsonDefaults
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = false,
    };
}
