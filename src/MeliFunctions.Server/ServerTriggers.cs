using MeliFunctions.Configuration;
using MeliFunctions.Queueing;
using MeliFunctions.Scheduling;
using MeliFunctions.Server.Fraud;
using MeliFunctions.Server.Queues;
using MeliFunctions.Storage;

namespace MeliFunctions.Server;

/// <summary>
/// What the Server runs besides its HTTP routes, the counterparts of the App's queue and timer
/// triggers: <see cref="MeliServer"/> starts a <see cref="QueuePump"/> for each of
/// <see cref="Queues"/>, and its timer runner runs each of <see cref="Timers"/> on the schedule its
/// setting holds.
/// </summary>
public static class ServerTriggers
{
    /// <summary>The storage setting every pump reads its queue from (as the App's <c>Connection = "AzureWebJobsStorage"</c>).</summary>
    public const string Connection = SettingNames.Storage;

    /// <summary>The queues the Server pumps, each with the Core handler the App's queue trigger calls (or, for <c>fraud-steps</c>, the Server's fraud driver).</summary>
    public static IReadOnlyList<ServerQueueTrigger> Queues { get; } =
    [
        new(StorageNames.NotificationsQueue, (services, text, dequeueCount, ct) => services.GetRequiredService<NotificationProcessor>().ProcessAsync(text, dequeueCount, ct)),
        new(StorageNames.FraudStepsQueue, (services, text, dequeueCount, ct) => services.GetRequiredService<FraudStepDriver>().ProcessAsync(text, dequeueCount, ct)),
    ];

    /// <summary>The timer jobs: every <see cref="IScheduledJob"/> Core registers, each naming the setting that holds its schedule.</summary>
    public static IEnumerable<IScheduledJob> Timers(IServiceProvider services) => services.GetServices<IScheduledJob>();
}

/// <summary>A queue the Server pumps: its name, the storage setting it is read with, and the work per message.</summary>
public sealed record ServerQueueTrigger(string QueueName, Func<IServiceProvider, string, long, CancellationToken, Task<WorkOutcome>> Handler)
{
    public string Connection => ServerTriggers.Connection;
}
