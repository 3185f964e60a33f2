using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace MeliFunctions.Notifications;

/// <summary>
/// What the webhook puts on the <c>meli-notifications</c> queue for the order sync: who, what,
/// when MeLi sent it, when we received it, and the trace it belongs to.
/// </summary>
public sealed record NotificationMessage
{
    public int V { get; init; } = 1;

    public required string SellerId { get; init; }

    public required string Resource { get; init; }

    public required string Topic { get; init; }

    public string? NotificationId { get; init; }

    public long ApplicationId { get; init; }

    public int Attempts { get; init; }

    /// <summary>When Mercado Libre sent it (its clock); null when the body had no <c>sent</c>.</summary>
    public DateTimeOffset? Sent { get; init; }

    /// <summary>When our webhook received it (our clock).</summary>
    public required DateTimeOffset Received { get; init; }

    /// <summary>W3C traceparent of the webhook request, so the worker continues the same trace.</summary>
    public string? TraceParent { get; init; }

    /// <summary>Why this message was written when it did not come from the webhook (sweep, refetch).</summary>
    public string? Origin { get; init; }

    /// <summary>
    /// Order sync attempts that earlier copies of this message already used: a host that retries by
    /// sending a new copy (the Functions App) carries the count, so the attempt limit still holds.
    /// Absent (0) on a message as the webhook or a sweep wrote it.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int SyncAttempts { get; init; }

    /// <summary>The same message text with <see cref="SyncAttempts"/> set (0 removes it); every other field is kept as it was.</summary>
    public static string WithSyncAttempts(string text, long syncAttempts)
    {
        if (JsonNode.Parse(text) is not JsonObject o)
        {
            throw new ArgumentException("Not a notification message.", nameof(text));
        }

        o.Remove(SyncAttemptsField);
        if (syncAttempts > 0)
        {
            o[SyncAttemptsField] = syncAttempts;
        }

        return o.ToJsonString();
    }

    private const string SyncAttemptsField = "sync_attempts";

    public string ToJson() => JsonSerializer.Serialize(this, NotificationJsonContext.Default.NotificationMessage);

    public static NotificationMessage? TryParse(string text)
    {
        try
        {
            var message = JsonSerializer.Deserialize(text, NotificationJsonContext.Default.NotificationMessage);
            return message is { SellerId.Length: > 0, Resource.Length: > 0, Topic.Length: > 0 } ? message : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(NotificationMessage))]
internal sealed partial class NotificationJsonContext : JsonSerializerContext;
