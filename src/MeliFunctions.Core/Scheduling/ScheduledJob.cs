namespace MeliFunctions.Scheduling;

/// <summary>
/// A timer job: the App runs it from a <c>[TimerTrigger("%Setting%")]</c> function, the Server from
/// its NCRONTAB runner. <see cref="ScheduleSetting"/> names the app setting that holds the schedule.
/// </summary>
public interface IScheduledJob
{
    /// <summary>A short name for logs, e.g. <c>StockReconcile</c>.</summary>
    string Name { get; }

    /// <summary>The setting holding the 6-field NCRONTAB schedule (UTC), e.g. <c>StockReconcileSchedule</c>.</summary>
    string ScheduleSetting { get; }

    /// <summary>The schedule used when the setting is empty.</summary>
    string DefaultSchedule { get; }

    Task RunAsync(CancellationToken cancellationToken);
}
