using System.Text.Json.Nodes;
using MeliFunctions.Sandbox.Common;

namespace MeliFunctions.Sandbox.Notifications;

internal sealed record DeliveryAttempt(int Attempt, DateTimeOffset Sent, int? HttpCode, string? Error);

/// <summary>One notification and what happened to it. Mutated only under the hub's lock.</summary>
internal sealed class NotificationRecord
{
    public required string Id { get; init; }
    public required string Resource { get; init; }
    public required long UserId { get; init; }
    public required string Topic { get; init; }
    public required long ApplicationId { get; init; }
    public required DateTimeOffset Received { get; init; }
    public long Sequence { get; init; }

    /// <summary>pending, delivered, missed (retry window over, or no callback URL) or dropped (fault).</summary>
    public string State { get; set; } = "pending";
    public string? CallbackUrl { get; set; }
    public List<DeliveryAttempt> Attempts { get; } = [];
    public DateTimeOffset? FinishedAt { get; set; }

    public JsonObject Body(int attempts, DateTimeOffset sent) => new()
    {
        ["_id"] = Id,
        ["resource"] = Resource,
        ["user_id"] = UserId,
        ["topic"] = Topic,
        ["application_id"] = ApplicationId,
        ["attempts"] = attempts,
        ["sent"] = MeliJson.Utc(sent),
        ["received"] = MeliJson.Utc(Received),
    };

    public JsonObject ToAdminJson()
    {
        var attempts = new JsonArray();
        foreach (var a in Attempts)
        {
            attempts.Add(new JsonObject
            {
                ["attempt"] = a.Attempt,
                ["sent"] = MeliJson.Utc(a.Sent),
                ["http_code"] = a.HttpCode,
                ["error"] = a.Error,
            });
        }
        return new JsonObject
        {
            ["_id"] = Id,
            ["resource"] = Resource,
            ["user_id"] = UserId,
            ["topic"] = Topic,
            ["application_id"] = ApplicationId,
            ["received"] = MeliJson.Utc(Received),
            ["state"] = State,
            ["callback_url"] = CallbackUrl,
            ["attempts"] = attempts,
            ["finished"] = FinishedAt is { } f ? MeliJson.Utc(f) : null,
        };
    }

    /// <summary>The shape of one message of <c>GET /missed_feeds</c>.</summary>
    public JsonObject ToMissedFeedJson()
    {
        var last = Attempts.Count > 0 ? Attempts[^1] : null;
        var sent = last?.Sent ?? Received;
        return new JsonObject
        {
            ["_id"] = Id,
            ["resource"] = Resource,
            ["user_id"] = UserId,
            ["topic"] = Topic,
            ["application_id"] = ApplicationId,
            ["attempts"] = Attempts.Count,
            ["sent"] = MeliJson.Utc(sent),
            ["received"] = MeliJson.Utc(Received),
            ["request"] = new JsonObject
            {
                ["url"] = CallbackUrl,
                ["headers"] = new JsonObject { ["accept"] = "application/json", ["content-type"] = "application/json" },
                ["body"] = Body(Attempts.Count, sent),
            },
            ["response"] = new JsonObject
            {
                ["req_time"] = null,
                ["http_code"] = last?.HttpCode ?? 0,
                ["headers"] = null,
                ["body"] = last?.Error,
            },
        };
    }
}
