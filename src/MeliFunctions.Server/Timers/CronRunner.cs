using MeliFunctions.Scheduling;
using NCrontab;

namespace MeliFunctions.Server.Timers;

/// <summary>
/// Runs every registered <see cref="IScheduledJob"/> on its NCRONTAB schedule (6 fields, with
/// seconds, UTC), as the Functions timer trigger does. A run that is still going when the next one
/// is due is not overlapped: the next run waits for the following occurrence.
/// </summary>
public sealed class CronRunner(IEnumerable<IScheduledJob> jobs, IConfiguration configuration, TimeProvider time, ILogger<CronRunner> logger) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(jobs.Select(job => RunJobAsync(job, stoppingToken)));

    /// <summary>Parses a 6-field NCRONTAB expression, or says which setting is wrong.</summary>
    public static CrontabSchedule Parse(string setting, string expression)
    {
        try
        {
            return CrontabSchedule.Parse(expression, new CrontabSchedule.ParseOptions { IncludingSeconds = true });
        }
        catch (CrontabException ex)
        {
            throw new InvalidOperationException($"{setting} must be a 6-field NCRONTAB expression (seconds first), e.g. '0 */15 * * * *'; '{expression}' is not: {ex.Message}", ex);
        }
    }

    private async Task RunJobAsync(IScheduledJob job, CancellationToken stoppingToken)
    {
        var expression = configuration[job.ScheduleSetting] is { Length: > 0 } configured ? configured : job.DefaultSchedule;
        var schedule = Parse(job.ScheduleSetting, expression);
        logger.LogInformation("Timer {Job} on '{Schedule}' ({Setting})", job.Name, expression, job.ScheduleSetting);
        while (!stoppingToken.IsCancellationRequested)
        {
            var now = time.GetUtcNow().UtcDateTime;
            var next = schedule.GetNextOccurrence(now);
            try
            {
                await Task.Delay(next - now, time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            try
            {
                logger.LogInformation("Timer {Job} fired", job.Name);
                await job.RunAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Timer {Job} failed; it runs again at its next occurrence", job.Name);
            }
        }
    }
}
