using MeliFunctions.Configuration;
using MeliFunctions.Scheduling;

namespace MeliFunctions.Stock;

/// <summary>The reconcile timer (<c>StockReconcileSchedule</c>): every connected seller, for real.</summary>
public sealed class StockReconcileJob(StockReconciler reconciler) : IScheduledJob
{
    public string Name => "StockReconcile";

    public string ScheduleSetting => SettingNames.StockReconcileSchedule;

    public string DefaultSchedule => "0 */15 * * * *";

    public Task RunAsync(CancellationToken cancellationToken) => reconciler.RunAsync(null, dryRun: false, cancellationToken);
}
