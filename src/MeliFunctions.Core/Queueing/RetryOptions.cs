namespace MeliFunctions.Queueing;

/// <summary>How long a message waits before its next attempt after a transient failure (section <c>Retry</c>).</summary>
public sealed class RetryOptions
{
    public const string Section = "Retry";

    /// <summary>The most a delay is stretched at random, so messages that failed together do not come back together.</summary>
    public const double Jitter = 0.2;

    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromSeconds(5);

    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>BaseDelay, doubled per attempt, with up to 20 % jitter, never more than MaxDelay.</summary>
    public TimeSpan Backoff(long attempt) => Backoff(attempt, Random.Shared.NextDouble());

    /// <summary>
    /// The delay after <paramref name="attempt"/> failed attempts, for a random <paramref name="sample"/>
    /// in [0, 1): BaseDelay × 2^(attempt − 1) stretched by up to <see cref="Jitter"/>, capped at MaxDelay
    /// after the jitter (so at the cap every delay is MaxDelay).
    /// </summary>
    public TimeSpan Backoff(long attempt, double sample)
    {
        var exponential = BaseDelay.Ticks * Math.Pow(2, Math.Clamp(attempt - 1, 0, 62));
        var jittered = exponential * (1 + (Math.Clamp(sample, 0, 1) * Jitter));
        return TimeSpan.FromTicks((long)Math.Min(MaxDelay.Ticks, jittered));
    }

    /// <summary>Null when valid, else what is wrong, naming the setting.</summary>
    public string? Validate() =>
        BaseDelay <= TimeSpan.Zero ? "Retry__BaseDelay must be more than 0."
        : MaxDelay < BaseDelay ? "Retry__MaxDelay must be at least Retry__BaseDelay."
        : MaxDelay > MaxQueueDelay ? "Retry__MaxDelay must be at most 7.00:00:00 (a queue message's longest delay)."
        : null;

    /// <summary>The longest visibility delay Azure Storage queues accept.</summary>
    public static readonly TimeSpan MaxQueueDelay = TimeSpan.FromDays(7);
}
