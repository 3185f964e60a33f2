namespace MeliFunctions.MercadoLibre.Budget;

/// <summary>Who waits for a seller's request budget first: a lower value goes first.</summary>
public enum MeliPriority
{
    /// <summary>Webhook-driven order syncs and the fraud flow's steps: a live sale.</summary>
    Live = 0,

    /// <summary>What a person asked for through the API: tracking, feedback, notes, blocked buyers.</summary>
    SellerAction = 1,

    /// <summary>Sweeps, the backfill and the stock reconcile: work that can wait.</summary>
    Background = 2,
}

/// <summary>
/// The priority of every Mercado Libre call made inside it (an async-local scope, so it follows the
/// work through awaits), and a count of those calls. Without a scope a call is <see cref="MeliPriority.Live"/>.
/// </summary>
public sealed class MeliCallScope : IDisposable
{
    private static readonly AsyncLocal<MeliCallScope?> CurrentScope = new();

    private readonly MeliCallScope? _parent;
    private int _calls;
    private bool _disposed;

    private MeliCallScope(MeliPriority priority, MeliCallScope? parent)
    {
        Priority = priority;
        _parent = parent;
    }

    /// <summary>The scope the current async flow is in, if any.</summary>
    public static MeliCallScope? Current => CurrentScope.Value;

    /// <summary>The priority of a call made now.</summary>
    public static MeliPriority CurrentPriority => CurrentScope.Value?.Priority ?? MeliPriority.Live;

    public MeliPriority Priority { get; }

    /// <summary>Requests sent to Mercado Libre inside this scope (every attempt counts, a retry too).</summary>
    public int Calls => Volatile.Read(ref _calls);

    /// <summary>Starts a scope; dispose it to go back to the enclosing one.</summary>
    public static MeliCallScope Begin(MeliPriority priority)
    {
        var scope = new MeliCallScope(priority, CurrentScope.Value);
        CurrentScope.Value = scope;
        return scope;
    }

    /// <summary>Counts one request in the current scope and the scopes around it.</summary>
    internal static void CountCall()
    {
        for (var scope = CurrentScope.Value; scope is not null; scope = scope._parent)
        {
            Interlocked.Increment(ref scope._calls);
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (CurrentScope.Value == this)
        {
            CurrentScope.Value = _parent;
        }
    }
}
