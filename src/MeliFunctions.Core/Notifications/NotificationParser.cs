using System.Globalization;
using System.Text.Json;

namespace MeliFunctions.Notifications;

/// <summary>The outcome of reading a notification body: the notification, or why it is not one.</summary>
public sealed record ParseResult(MeliNotification? Notification, string? Error, string? Reason)
{
    public bool Ok => Notification is not null;

    public static ParseResult Fail(string error, string reason) => new(null, error, reason);
}

/// <summary>
/// Reads Mercado Libre's notification body strictly enough to refuse what cannot be one, and
/// loosely where Mercado Libre varies: <c>_id</c> or <c>id</c> or neither, <c>user_id</c> as a
/// number or a string, <c>application_id</c> likewise, <c>actions</c> present or not.
/// </summary>
public static class NotificationParser
{
    public const int MaxResourceLength = 512;
    public const int MaxTopicLength = 64;

    public static ParseResult Parse(ReadOnlySpan<byte> utf8Json)
    {
        JsonDocument document;
        try
        {
            var reader = new Utf8JsonReader(utf8Json, new JsonReaderOptions { MaxDepth = 16 });
            document = JsonDocument.ParseValue(ref reader);
            // One JSON value and nothing after it but whitespace (a second value or any other byte throws).
            if (reader.Read())
            {
                document.Dispose();
                return ParseResult.Fail("invalid_json", "The body must be one JSON object with nothing after it.");
            }
        }
        catch (JsonException ex)
        {
            return ParseResult.Fail("invalid_json", $"The body is not valid JSON: {ex.Message}");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return ParseResult.Fail("invalid_json", "The body must be a JSON object.");
            }

            if (!TryString(root, "resource", out var resource, out var error) || !TryString(root, "topic", out var topic, out error))
            {
                return error!;
            }

            if (resource.Length > MaxResourceLength || topic.Length > MaxTopicLength)
            {
                return ParseResult.Fail("invalid_field", $"'resource' must be at most {MaxResourceLength} characters and 'topic' at most {MaxTopicLength}.");
            }

            if (!TryId(root, "user_id", out var userId, out error) || !TryId(root, "application_id", out var applicationId, out error))
            {
                return error!;
            }

            var pattern = NotificationTopics.ResourcePattern(topic);
            if (pattern is not null && !pattern.IsMatch(resource))
            {
                return ParseResult.Fail("resource_mismatch", $"The resource '{resource}' does not match topic '{topic}' (expected {pattern}).");
            }

            string? id = null;
            if (root.TryGetProperty("_id", out var idElement) || root.TryGetProperty("id", out idElement))
            {
                id = idElement.ValueKind switch
                {
                    JsonValueKind.String => idElement.GetString(),
                    JsonValueKind.Number => idElement.GetRawText(),
                    _ => null,
                };
            }

            var attempts = root.TryGetProperty("attempts", out var a) && a.ValueKind == JsonValueKind.Number && a.TryGetInt32(out var n) ? n : 0;
            if (!TryTime(root, "sent", out var sent, out error) || !TryTime(root, "received", out var received, out error))
            {
                return error!;
            }

            var actions = new List<string>();
            if (root.TryGetProperty("actions", out var actionsElement) && actionsElement.ValueKind == JsonValueKind.Array)
            {
                foreach (var action in actionsElement.EnumerateArray())
                {
                    if (action.ValueKind == JsonValueKind.String)
                    {
                        actions.Add(action.GetString()!);
                    }
                }
            }

            return new ParseResult(new MeliNotification(id, resource, userId, topic, applicationId, attempts, sent, received, actions), null, null);
        }
    }

    private static bool TryString(JsonElement root, string name, out string value, out ParseResult? error)
    {
        value = "";
        error = null;
        if (!root.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            error = ParseResult.Fail("missing_field", $"'{name}' is required.");
            return false;
        }

        if (element.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(element.GetString()))
        {
            error = ParseResult.Fail("invalid_field", $"'{name}' must be a non-empty string.");
            return false;
        }

        value = element.GetString()!;
        return true;
    }

    private static bool TryId(JsonElement root, string name, out long value, out ParseResult? error)
    {
        value = 0;
        error = null;
        if (!root.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            error = ParseResult.Fail("missing_field", $"'{name}' is required.");
            return false;
        }

        var ok = element.ValueKind switch
        {
            JsonValueKind.Number => element.TryGetInt64(out value),
            JsonValueKind.String => long.TryParse(element.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out value),
            _ => false,
        };
        if (!ok || value <= 0)
        {
            error = ParseResult.Fail("invalid_field", $"'{name}' must be a positive integer (a number or a string of digits).");
            return false;
        }

        return true;
    }

    private static bool TryTime(JsonElement root, string name, out DateTimeOffset? value, out ParseResult? error)
    {
        value = null;
        error = null;
        if (!root.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (element.ValueKind == JsonValueKind.String &&
            DateTimeOffset.TryParse(element.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
        {
            value = parsed;
            return true;
        }

        error = ParseResult.Fail("invalid_field", $"'{name}' must be an ISO 8601 time.");
        return false;
    }
}
