namespace MeliFunctions.Queueing;

/// <summary>How long a message waits before its next attempt after a transient failure (section <c>Retry</c>).</summary>
public sealed class RetryOptions
{
    public const string Section = "Retry";

    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromSeconds(5);

    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>BaseDelay, doubled per attempt, up to MaxDelay, with up to 20 % jitter.</summary>
    public TimeSpan Backoff(long attempt)
    {
        var ticks = Math.Min(MaxDelay.Ticks, BaseDelay.Ticks * Math.Pow(2, Math.Max(0, attempt - 1)));
        return TimeSpan.FromTicks((long)(ticks * (1 + (Random.Shared.NextDouble() * 0.2))));
    }
}
