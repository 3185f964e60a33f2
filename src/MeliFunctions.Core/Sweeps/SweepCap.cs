using MeliFunctions.MercadoLibre.Budget;

namespace MeliFunctions.Sweeps;

/// <summary>
/// What one run may spend for one seller: the Mercado Libre calls made in the run's scope (at
/// background priority, paced by the seller's budget) plus the orders it queued (each will cost the
/// order sync a GET), capped at <see cref="SweepOptions.MaxRequestsPerRun"/>.
/// </summary>
public sealed class SweepCap(MeliCallScope calls, int maxRequests)
{
    private int _queued;

    public int Spent => calls.Calls + _queued;

    public bool Exhausted => Spent >= maxRequests;

    /// <summary>Counts an order queued for the order sync; false (nothing counted) when the cap is reached.</summary>
    public bool TryQueue()
    {
        if (Exhausted)
        {
            return false;
        }

        _queued++;
        return true;
    }
}
