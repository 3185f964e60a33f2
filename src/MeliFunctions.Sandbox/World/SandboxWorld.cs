using MeliFunctions.Sandbox.Common;
using MeliFunctions.Sandbox.Notifications;

namespace MeliFunctions.Sandbox.World;

/// <summary>
/// Everything the simulated Mercado Libre knows. One lock (<see cref="Sync"/>) guards all of it:
/// every read or change of the state happens under it.
/// </summary>
internal sealed class SandboxWorld(SandboxOptions options, TimeProvider time, NotificationHub notifications) : IDisposable
{
    public object Sync { get; } = new();
    public SandboxOptions Options { get; } = options;
    public TimeProvider Time { get; } = time;
    public NotificationHub Notifications { get; } = notifications;
    public Ids Ids { get; } = new(options.Seed);

    public Dictionary<long, User> Users { get; } = [];
    public Dictionary<string, Item> Items { get; } = new(StringComparer.OrdinalIgnoreCase);
    public Dictionary<long, Order> Orders { get; } = [];
    public Dictionary<long, Shipment> Shipments { get; } = [];
    public Dictionary<long, Pack> Packs { get; } = [];
    public Dictionary<long, List<Note>> Notes { get; } = [];
    public List<Feedback> Feedbacks { get; } = [];
    public List<StockUpdate> StockUpdates { get; } = [];
    public List<BlacklistEntry> Blacklist { get; } = [];
    public List<ITimer> Timers { get; } = [];

    public DateTimeOffset Now => Time.GetUtcNow();

    /// <summary>The next last_updated for a resource: now, but always strictly after the previous one.</summary>
    public DateTimeOffset NextStamp(DateTimeOffset previous)
    {
        var now = Now;
        now = new DateTimeOffset(now.Ticks - (now.Ticks % TimeSpan.TicksPerMillisecond), now.Offset);
        return now > previous ? now : previous.AddMilliseconds(1);
    }

    public User AddUser(long? id, string nickname, bool seller)
    {
        var userId = id ?? Ids.NextUser();
        while (id is null && Users.ContainsKey(userId))
        {
            userId = Ids.NextUser();
        }

        var user = new User { Id = userId, Nickname = nickname, IsSeller = seller, FirstName = seller ? "Seller" : "Buyer", LastName = nickname };
        Users[userId] = user;
        return user;
    }

    public void Notify(string topic, string resource, long userId) => Notifications.Publish(topic, resource, userId);

    /// <summary>Stops pending MeLi-side timers (fraud auto-cancel) when the sandbox stops.</summary>
    public void Dispose()
    {
        lock (Sync)
        {
            foreach (var timer in Timers)
            {
                timer.Dispose();
            }

            Timers.Clear();
        }
    }
}
