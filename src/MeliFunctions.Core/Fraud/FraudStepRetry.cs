namespace MeliFunctions.Fraud;

/// <summary>
/// The fraud flow's rule for a step that failed for now (a MeLi 5xx or 429, a timeout, the case
/// held by another worker): how many attempts a step gets, how long to wait before the next one,
/// and when to give up (the case then goes to <c>manual_review</c> with the reason). Read from
/// <see cref="FraudOptions"/>. Both drivers follow it: the Server's queue driver asks
/// <see cref="DelayAfter"/> for each failure; the App's orchestrator hands the same figures to the
/// Durable engine as the activities' retry policy, which waits
/// <c>FirstRetryInterval × BackoffCoefficient^(n − 1)</c>, at most <c>MaxRetryInterval</c>, after the
/// n-th failure, the same as <see cref="DelayAfter"/>. A plain record, so an orchestration's input can carry it.
/// </summary>
public sealed record FraudStepRetry(int MaxAttempts, TimeSpan FirstRetryInterval, double BackoffCoefficient, TimeSpan MaxRetryInterval)
{
    public static FraudStepRetry Default { get; } = From(new FraudOptions());

    public static FraudStepRetry From(FraudOptions options) =>
        new(options.MaxStepAttempts, options.FirstRetryInterval, options.BackoffCoefficient, options.MaxRetryInterval);

    /// <summary>True once <paramref name="failedAttempts"/> attempts have failed: record the step as failed.</summary>
    public bool GivesUpAfter(long failedAttempts) => failedAttempts >= MaxAttempts;

    /// <summary>
    /// The wait before the next attempt after <paramref name="failedAttempts"/> failures (1 or more),
    /// or null when the step has had all its attempts.
    /// </summary>
    public TimeSpan? DelayAfter(long failedAttempts)
    {
        if (GivesUpAfter(failedAttempts))
        {
            return null;
        }

        var ticks = FirstRetryInterval.Ticks * Math.Pow(BackoffCoefficient, Math.Max(0, failedAttempts - 1));
        return ticks >= MaxRetryInterval.Ticks ? MaxRetryInterval : TimeSpan.FromTicks((long)ticks);
    }
}
