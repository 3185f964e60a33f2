using System.Collections.Concurrent;
using MeliFunctions.Notifications;
using Microsoft.Extensions.Options;

namespace MeliFunctions.Stock;

/// <summary>
/// The listings this process set a figure on lately (<c>PUT /items/{id}</c>), so the <c>items</c>
/// notification Mercado Libre sends back for our own PUT costs no <c>GET /items/{id}</c>: we know
/// what the listing holds, we just wrote it. A notification counts as that echo when MeLi sent it
/// after our PUT began and it reached us within <see cref="StockOptions.OwnPushEchoWindow"/> of
/// MeLi's answer. The figure a PUT sets is absolute, so a change made on MeLi's side before our PUT
/// is overwritten by it; only a raise made there inside the window waits for the next reconcile run.
/// Bounded: past <see cref="MaxKept"/> listings it starts afresh. Another instance's pushes are not
/// known here: their echoes cost a GET, as before.
/// </summary>
public sealed class RecentStockPushes(IOptions<StockOptions> options)
{
    public const int MaxKept = 10_000;

    /// <summary>Clock difference we allow between Mercado Libre's <c>sent</c> and our clock.</summary>
    public static readonly TimeSpan ClockMargin = TimeSpan.FromSeconds(2);

    private readonly ConcurrentDictionary<(string SellerId, string ItemId), (DateTimeOffset Began, DateTimeOffset Answered)> _pushes = new();

    public void Remember(string sellerId, string itemId, DateTimeOffset began, DateTimeOffset answered)
    {
        if (options.Value.OwnPushEchoWindow <= TimeSpan.Zero)
        {
            return;
        }

        if (_pushes.Count >= MaxKept)
        {
            _pushes.Clear();
        }

        _pushes[(sellerId, itemId)] = (began, answered);
    }

    /// <summary>True when <paramref name="message"/> is Mercado Libre's notification of our own last PUT to <paramref name="itemId"/>.</summary>
    public bool IsEcho(NotificationMessage message, string itemId)
    {
        var window = options.Value.OwnPushEchoWindow;
        if (window <= TimeSpan.Zero || !_pushes.TryGetValue((message.SellerId, itemId), out var push))
        {
            return false;
        }

        var sent = message.Sent ?? message.Received;
        return sent >= push.Began - ClockMargin && message.Received <= push.Answered + window;
    }
}
