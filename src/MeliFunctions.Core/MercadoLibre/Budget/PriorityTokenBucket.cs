using System.Threading.RateLimiting;

namespace MeliFunctions.MercadoLibre.Budget;

/// <summary>
/// A token bucket (<see cref="TokenBucketRateLimiter"/>: one token every 1/rate seconds, at most
/// <c>burst</c> saved) whose waiters are served by priority, then in arrival order: when a token
/// comes, the most urgent waiter at that moment takes it, so a live sync that arrives behind a
/// hundred queued backfill calls goes next. The rate can be changed while it runs (AIMD); tokens
/// saved carry over, never more than the bucket holds.
/// </summary>
public sealed class PriorityTokenBucket : IDisposable
{
    private readonly object _sync = new();
    private readonly PriorityQueue<Waiter, (int Priority, long Sequence)> _waiting = new();
    private readonly int _burst;
    private TokenBucketRateLimiter _bucket;
    private long _sequence;
    private bool _draining;
    private bool _disposed;

    public PriorityTokenBucket(double perSecond, int burst)
    {
        _burst = Math.Max(1, burst);
        PerSecond = perSecond;
        _bucket = Create(perSecond, _burst);
    }

    /// <summary>The current rate, in tokens per second.</summary>
    public double PerSecond { get; private set; }

    /// <summary>Calls waiting for a token now.</summary>
    public int Waiting
    {
        get
        {
            lock (_sync)
            {
                return _waiting.Count;
            }
        }
    }

    /// <summary>Waits for a token; an earlier or more urgent waiter is served first.</summary>
    public Task AcquireAsync(MeliPriority priority, CancellationToken cancellationToken)
    {
        Waiter waiter;
        lock (_sync)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_waiting.Count == 0)
            {
                using var lease = _bucket.AttemptAcquire(1);
                if (lease.IsAcquired)
                {
                    return Task.CompletedTask;
                }
            }

            waiter = new Waiter();
            _waiting.Enqueue(waiter, ((int)priority, _sequence++));
            if (!_draining)
            {
                _draining = true;
                _ = Task.Run(DrainAsync, CancellationToken.None);
            }
        }

        if (cancellationToken.CanBeCanceled)
        {
            var registration = cancellationToken.Register(() => waiter.TrySetCanceled(cancellationToken));
            waiter.Task.ContinueWith(_ => registration.Dispose(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        return waiter.Task;
    }

    /// <summary>Changes the rate. <paramref name="emptyBucket"/> drops the saved tokens (after a 429).</summary>
    public void SetRate(double perSecond, bool emptyBucket)
    {
        lock (_sync)
        {
            if (_disposed)
            {
                return;
            }

            var old = _bucket;
            var saved = emptyBucket ? 0 : (int)Math.Floor((double)(old.GetStatistics()?.CurrentAvailablePermits ?? 0));
            var fresh = Create(perSecond, _burst);
            // A new bucket starts full: take what the old one did not have.
            var take = _burst - Math.Min(_burst, saved);
            if (take > 0)
            {
                fresh.AttemptAcquire(take).Dispose();
            }

            _bucket = fresh;
            PerSecond = perSecond;
            // The drain loop waiting on the old bucket wakes with a failed lease and waits on the new one.
            old.Dispose();
        }
    }

    private async Task DrainAsync()
    {
        while (true)
        {
            TokenBucketRateLimiter bucket;
            lock (_sync)
            {
                while (_waiting.TryPeek(out var first, out _) && first.Task.IsCompleted)
                {
                    _waiting.Dequeue();
                }

                if (_waiting.Count == 0 || _disposed)
                {
                    _draining = false;
                    return;
                }

                bucket = _bucket;
            }

            RateLimitLease lease;
            try
            {
                lease = await bucket.AcquireAsync(1);
            }
            catch (ObjectDisposedException)
            {
                continue;
            }

            using (lease)
            {
                if (!lease.IsAcquired)
                {
                    continue;
                }

                lock (_sync)
                {
                    // The token goes to the most urgent waiter still waiting; if every one gave up, it is spent.
                    while (_waiting.TryDequeue(out var next, out _) && !next.TrySetResult())
                    {
                    }
                }
            }
        }
    }

    private static TokenBucketRateLimiter Create(double perSecond, int burst) => new(new TokenBucketRateLimiterOptions
    {
        TokenLimit = burst,
        TokensPerPeriod = 1,
        ReplenishmentPeriod = TimeSpan.FromSeconds(1 / Math.Max(perSecond, 0.001)),
        AutoReplenishment = true,
        // Only the drain loop queues on the limiter; callers wait in the priority queue.
        QueueLimit = 1,
        QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
    });

    public void Dispose()
    {
        lock (_sync)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            while (_waiting.TryDequeue(out var waiter, out _))
            {
                waiter.TrySetException(new ObjectDisposedException(nameof(PriorityTokenBucket)));
            }

            _bucket.Dispose();
        }
    }

    private sealed class Waiter() : TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
}
