using System.Text.Json.Nodes;

namespace MeliFunctions.Sandbox.Faults;

/// <summary>The active fault switches and the seeded dice that decide when a rate fires. Thread-safe.</summary>
internal sealed class FaultBook(SandboxOptions options)
{
    private readonly object _sync = new();
    private readonly Random _dice = new(unchecked(options.Seed * 31 + 7));
    private readonly Dictionary<long, FaultSettings> _perSeller = [];
    private FaultSettings _global = new();
    private readonly Dictionary<long, Queue<DateTimeOffset>> _admitted = [];

    public void Set(FaultSettings settings)
    {
        lock (_sync)
        {
            if (settings.SellerId is { } seller)
            {
                _perSeller[seller] = settings;
            }
            else
            {
                _global = settings;
            }
        }
    }

    public void Reset()
    {
        lock (_sync)
        {
            _perSeller.Clear();
            _admitted.Clear();
            _global = new FaultSettings();
        }
    }

    /// <summary>The switches that apply to a seller: the seller's own when set, else the global ones.</summary>
    public FaultSettings For(long? sellerId)
    {
        lock (_sync)
        {
            return sellerId is { } id && _perSeller.TryGetValue(id, out var own) ? own : _global;
        }
    }

    /// <summary>
    /// The per-seller quota: true (and the call counted) when fewer than <paramref name="perSecond"/>
    /// calls of the seller were admitted in the second before <paramref name="now"/>; false for a call
    /// beyond it, which is refused and not counted.
    /// </summary>
    public bool Admit(long sellerId, int perSecond, DateTimeOffset now)
    {
        if (perSecond <= 0)
        {
            return true;
        }

        lock (_sync)
        {
            if (!_admitted.TryGetValue(sellerId, out var times))
            {
                _admitted[sellerId] = times = new Queue<DateTimeOffset>();
            }

            while (times.Count > 0 && times.Peek() <= now - TimeSpan.FromSeconds(1))
            {
                times.Dequeue();
            }

            if (times.Count >= perSecond)
            {
                return false;
            }

            times.Enqueue(now);
            return true;
        }
    }

    public bool Roll(double rate)
    {
        if (rate <= 0)
        {
            return false;
        }

        lock (_sync)
        {
            return _dice.NextDouble() < rate;
        }
    }

    public JsonObject ToJson()
    {
        lock (_sync)
        {
            var sellers = new JsonArray();
            foreach (var s in _perSeller.Values.OrderBy(s => s.SellerId))
            {
                sellers.Add(s.ToJson());
            }

            return new JsonObject { ["global"] = _global.ToJson(), ["sellers"] = sellers };
        }
    }
}
