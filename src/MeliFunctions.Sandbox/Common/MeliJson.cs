using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MeliFunctions.Sandbox.Common;

/// <summary>JSON and date conventions of Mercado Libre's API.</summary>
internal static class MeliJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    private static readonly TimeSpan SiteOffset = TimeSpan.FromHours(-4);

    /// <summary>Order dates as MeLi writes them: <c>2019-05-22T03:51:05.000-04:00</c>.</summary>
    public static string? Date(DateTimeOffset? value) =>
        value?.ToOffset(SiteOffset).ToString("yyyy-MM-dd'T'HH:mm:ss.fffzzz", CultureInfo.InvariantCulture);

    /// <summary>Notification times, UTC: <c>2011-10-19T16:38:34.425Z</c>.</summary>
    public static string Utc(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    public static IResult Json(JsonNode? node, int status = 200) =>
        Results.Content(node?.ToJsonString() ?? "null", "application/json; charset=utf-8", null, status);

    public static IResult Error(int status, string error, string message, JsonArray? cause = null) =>
        Json(ErrorBody(status, error, message, cause), status);

    public static JsonObject ErrorBody(int status, string error, string message, JsonArray? cause = null) => new()
    {
        ["message"] = message,
        ["error"] = error,
        ["status"] = status,
        ["cause"] = cause ?? [],
    };

    public static IResult InvalidToken() => Error(401, "invalid_token", "invalid_token");

    public static async Task<JsonObject?> ReadObjectAsync(HttpRequest request, CancellationToken ct)
    {
        if (request.ContentLength == 0)
        {
            return null;
        }

        try
        {
            var node = await JsonNode.ParseAsync(request.Body, cancellationToken: ct);
            return node as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public static long? Long(JsonNode? node)
    {
        if (node is not JsonValue v)
        {
            return null;
        }

        if (v.TryGetValue<long>(out var l))
        {
            return l;
        }

        if (v.TryGetValue<double>(out var d) && d == Math.Floor(d))
        {
            return (long)d;
        }

        if (v.TryGetValue<string>(out var s) && long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out l))
        {
            return l;
        }

        return null;
    }

    public static decimal? Decimal(JsonNode? node)
    {
        if (node is not JsonValue v)
        {
            return null;
        }

        if (v.TryGetValue<decimal>(out var m))
        {
            return m;
        }

        if (v.TryGetValue<double>(out var d))
        {
            return (decimal)d;
        }

        if (v.TryGetValue<long>(out var l))
        {
            return l;
        }

        if (v.TryGetValue<string>(out var s) && decimal.TryParse(s, NumberStyles.Number, CultureInfo.InvariantCulture, out m))
        {
            return m;
        }

        return null;
    }

    public static string? String(JsonNode? node) =>
        node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    public static bool? Bool(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() is JsonValueKind.True or JsonValueKind.False ? v.GetValue<bool>() : null;

    public static int? Int(JsonNode? node) => Long(node) is { } l and >= int.MinValue and <= int.MaxValue ? (int)l : null;

    public static double? Double(JsonNode? node) => Decimal(node) is { } d ? (double)d : null;

    public static string SiteOf(string currency) => currency switch
    {
        "BRL" => "MLB",
        "MXN" => "MLM",
        "CLP" => "MLC",
        "COP" => "MCO",
        "UYU" => "MLU",
        "PEN" => "MPE",
        _ => "MLA",
    };
}
