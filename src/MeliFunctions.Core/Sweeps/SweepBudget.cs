namespace MeliFunctions.Sweeps;

/// <summary>
/// The requests one run may spend for one seller: paced at <see cref="SweepOptions.RequestsPerSecond"/>
/// (Mercado Libre answers 429 from about 5 to 7 per second per seller) and capped at
/// <see cref="SweepOptions.MaxRequestsPerRun"/>. A search page costs one, and so does each order the
/// run queues (the order sync will GET it).
/// </summary>
public sealed class SweepBudget(double requestsPerSecond, int maxRequests, TimeProvider time)
{
    private DateTimeOffset _next = DateTimeOffset.MinValue;

    public int Spent { get; private set; }

    public bool Exhausted => Spent >= maxRequests;

    /// <summary>Waits for the pace, then spends <paramref name="requests"/>; false (nothing spent) when the run's cap would be passed.</summary>
    public async Task<bool> TrySpendAsync(int requests, CancellationToken cancellationToken)
    {
        if (Spent + requests > maxRequests)
        {
            return false;
        }

        Spent += requests;
        if (requestsPerSecond <= 0)
        {
            return true;
        }

        var now = time.GetUtcNow();
        if (_next > now)
        {
            await Task.Delay(_next - now, time, cancellationToken);
            now = _next;
        }

        _next = now + TimeSpan.FromSeconds(requests / requestsPerSecond);
        return true;
    }
}
