using System.Text.Json.Nodes;
using MeliFunctions.Sandbox.Common;

namespace MeliFunctions.Sandbox.Faults;

/// <summary>Fault switches for one seller, or for everyone (<see cref="SellerId"/> null).</summary>
internal sealed record FaultSettings
{
    public long? SellerId { get; init; }
    public int LatencyMs { get; init; }
    public double Rate429 { get; init; }
    public double Rate5xx { get; init; }
    public double Rate206 { get; init; }
    public bool ExpireTokens { get; init; }
    public double DropNotificationsRate { get; init; }
    public int DuplicateNotifications { get; init; }
    public int DelayNotificationsMs { get; init; }
    public bool ReorderNotifications { get; init; }
    public int StaleReadMs { get; init; }
    public int LateWriteAnswerMs { get; init; }

    /// <summary>Requests a seller may make in any second (0: no quota); beyond it, 429 as Mercado Libre answers.</summary>
    public int QuotaPerSecond { get; init; }

    public static (FaultSettings? Settings, string? Error) Parse(JsonObject body)
    {
        double Rate(string name, out string? error)
        {
            error = null;
            var value = MeliJson.Double(body[name]) ?? 0;
            if (body[name] is not null && MeliJson.Double(body[name]) is null)
            {
                error = $"{name} must be a number";
            }
            else if (value is < 0 or > 1)
            {
                error = $"{name} must be between 0 and 1";
            }

            return value;
        }

        int NonNegative(string name, out string? error)
        {
            error = null;
            var value = MeliJson.Int(body[name]) ?? 0;
            if (body[name] is not null && MeliJson.Int(body[name]) is null)
            {
                error = $"{name} must be an integer";
            }
            else if (value < 0)
            {
                error = $"{name} must not be negative";
            }

            return value;
        }

        var settings = new FaultSettings
        {
            SellerId = MeliJson.Long(body["seller_id"]),
            LatencyMs = NonNegative("latency_ms", out var e1),
            Rate429 = Rate("rate_429", out var e2),
            Rate5xx = Rate("rate_5xx", out var e3),
            Rate206 = Rate("rate_206", out var e4),
            ExpireTokens = MeliJson.Bool(body["expire_tokens"]) ?? false,
            DropNotificationsRate = Rate("drop_notifications_rate", out var e5),
            DuplicateNotifications = NonNegative("duplicate_notifications", out var e6),
            DelayNotificationsMs = NonNegative("delay_notifications_ms", out var e7),
            ReorderNotifications = MeliJson.Bool(body["reorder_notifications"]) ?? false,
            StaleReadMs = NonNegative("stale_read_ms", out var e8),
            LateWriteAnswerMs = NonNegative("late_write_answer_ms", out var e9),
            QuotaPerSecond = NonNegative("quota_per_second", out var e10),
        };
        var error = e1 ?? e2 ?? e3 ?? e4 ?? e5 ?? e6 ?? e7 ?? e8 ?? e9 ?? e10;
        return error is null ? (settings, null) : (null, error);
    }

    public JsonObject ToJson() => new()
    {
        ["seller_id"] = SellerId,
        ["latency_ms"] = LatencyMs,
        ["rate_429"] = Rate429,
        ["rate_5xx"] = Rate5xx,
        ["rate_206"] = Rate206,
        ["expire_tokens"] = ExpireTokens,
        ["drop_notifications_rate"] = DropNotificationsRate,
        ["duplicate_notifications"] = DuplicateNotifications,
        ["delay_notifications_ms"] = DelayNotificationsMs,
        ["reorder_notifications"] = ReorderNotifications,
        ["stale_read_ms"] = StaleReadMs,
        ["late_write_answer_ms"] = LateWriteAnswerMs,
        ["quota_per_second"] = QuotaPerSecond,
    };
}
