using System.Diagnostics.Metrics;
using MeliFunctions.Hosting;
using MeliFunctions.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace MeliFunctions.Operations;

/// <summary>
/// The queue gauges of the <c>MeliFunctions</c> meter: <c>meli.queue.oldest_message_age</c> (seconds
/// since the oldest message was inserted, 0 when empty) and <c>meli.queue.depth</c>, per queue.
/// </summary>
/// <remarks>
/// A gauge's callback must not block on storage, so it answers the last sample and, when that
/// sample is older than <see cref="SampleEvery"/>, starts one peek in the background: an exporter
/// reading once a minute sees values at most one reading old. The age is measured from the oldest
/// message's insertion, so a message that is retried (hidden, then visible again) keeps its age.
/// </remarks>
public sealed class QueueAgeGauge(StorageClients storage, IMeterFactory meters, TimeProvider time, ILogger<QueueAgeGauge> logger) : IHostedService
{
    public static readonly TimeSpan SampleEvery = TimeSpan.FromSeconds(15);

    private readonly Lock _gate = new();
    private List<(string Name, int Depth, DateTimeOffset? Oldest)> _last = [];
    private DateTimeOffset _sampledAt = DateTimeOffset.MinValue;
    private int _refreshing;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var meter = meters.Create(MeliMetrics.Name);
        meter.CreateObservableGauge("meli.queue.oldest_message_age", ObserveAge, unit: "s", description: "Seconds since the oldest message in the queue was inserted (0 when empty)");
        meter.CreateObservableGauge("meli.queue.depth", ObserveDepth, unit: "{message}", description: "Approximate number of messages in the queue");
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private IEnumerable<Measurement<double>> ObserveAge()
    {
        var now = time.GetUtcNow();
        foreach (var (name, _, oldest) in Sample())
        {
            yield return new Measurement<double>(oldest is { } o ? Math.Max(0, (now - o).TotalSeconds) : 0, new KeyValuePair<string, object?>("queue", name));
        }
    }

    private IEnumerable<Measurement<long>> ObserveDepth() =>
        Sample().Select(q => new Measurement<long>(q.Depth, new KeyValuePair<string, object?>("queue", q.Name)));

    private List<(string Name, int Depth, DateTimeOffset? Oldest)> Sample()
    {
        List<(string, int, DateTimeOffset?)> last;
        DateTimeOffset sampledAt;
        lock (_gate)
        {
            (last, sampledAt) = (_last, _sampledAt);
        }

        if (time.GetUtcNow() - sampledAt >= SampleEvery && Interlocked.CompareExchange(ref _refreshing, 1, 0) == 0)
        {
            _ = Task.Run(RefreshAsync);
        }

        return last;
    }

    private async Task RefreshAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            var state = await OperationsOverview.QueueStateAsync(storage, timeout.Token);
            lock (_gate)
            {
                (_last, _sampledAt) = (state, time.GetUtcNow());
            }
        }
        catch (Exception ex)
        {
            logger.LogWarning("Queue gauges not sampled: {Error}", ex.GetType().Name);
        }
        finally
        {
            Volatile.Write(ref _refreshing, 0);
        }
    }
}
