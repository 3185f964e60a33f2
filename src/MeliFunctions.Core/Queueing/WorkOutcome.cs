namespace MeliFunctions.Queueing;

public enum WorkResult
{
    /// <summary>Done (or nothing to do): delete the message.</summary>
    Completed,

    /// <summary>Try again after <see cref="WorkOutcome.RetryAfter"/>.</summary>
    Retry,

    /// <summary>Cannot be done: the message was moved to the poison queue with its reason.</summary>
    Parked,
}

/// <summary>What a queue message handler decided. Both hosts act on it the same way.</summary>
public sealed record WorkOutcome(WorkResult Result, string? Reason = null, TimeSpan RetryAfter = default, string? Error = null, string? Details = null)
{
    public static WorkOutcome Completed(string? reason = null) => new(WorkResult.Completed, reason);

    public static WorkOutcome Retry(string reason, TimeSpan after = default) => new(WorkResult.Retry, reason, after);

    public static WorkOutcome Park(string reason, string? error = null, string? details = null) => new(WorkResult.Parked, reason, Error: error, Details: details);
}

/// <summary>
/// The queue trigger settings both hosts share, bound from host.json's <c>extensions:queues</c>
/// (the Functions host reads the same file), so the Server's pump and the App agree.
/// </summary>
public sealed class QueueTriggerSettings
{
    public const string Section = "extensions:queues";

    public int BatchSize { get; set; } = 16;

    public int NewBatchThreshold { get; set; } = 8;

    public int MaxDequeueCount { get; set; } = 5;

    public TimeSpan VisibilityTimeout { get; set; } = TimeSpan.FromSeconds(10);

    public TimeSpan MaxPollingInterval { get; set; } = TimeSpan.FromSeconds(2);

    public string MessageEncoding { get; set; } = "base64";
}
