using System.Text.Json.Nodes;

namespace MeliFunctions.Sandbox.Faults;

/// <summary>The active fault switches and the seeded dice that decide when a rate fires. Thread-safe.</summary>
internal sealed class FaultBook(SandboxOptions options)
{
    private readonly object _sync = new();
    private readonly Random _dice = new(unchecked(options.Seed * 31 + 7));
    private readonly Dictionary<long, FaultSettings> _perSeller = [];
    private FaultSettings _global = new();

    public void Set(FaultSettings settings)
    {
        lock (_sync)
        {
            if (settings.SellerId is { } seller) _perSeller[seller] = settings;
            else _global = settings;
        }
    }

    public void Reset()
    {
        lock (_sync)
        {
            _perSeller.Clear();
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

    public bool Roll(double rate)
    {
        if (rate <= 0) return false;
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
            foreach (var s in _perSeller.Values.OrderBy(s => s.SellerId)) sellers.Add(s.ToJson());
            return new JsonObject { ["global"] = _global.ToJson(), ["sellers"] = sellers };
        }
    }
}
