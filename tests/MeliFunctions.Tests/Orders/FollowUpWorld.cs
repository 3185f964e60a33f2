using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using MeliFunctions.Fraud;
using MeliFunctions.Orders;
using MeliFunctions.Storage;
using MeliFunctions.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace MeliFunctions.Tests.Orders;

/// <summary>
/// Failures injected into the work that follows an order write: the observers (each wrapped in a
/// decorator through DI) and the fraud flow's starter fail a given number of times for a seller, or
/// the Server "dies" at the first observer (it signals, then hangs until the host stops).
/// </summary>
public sealed class FollowUpFaults
{
    public const string FraudFlowStart = "fraud_flow_start";

    /// <summary>The fraud flow's start is sent, as far as the order sync can tell, and lost (a host died holding the message).</summary>
    public const string FraudFlowStartLost = "fraud_flow_start_lost";

    private readonly ConcurrentDictionary<(string Target, string SellerId), int> _left = new();
    private readonly ConcurrentDictionary<(string Target, string SellerId), int> _injected = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _crashes = new();

    /// <summary>The target (an observer's type name, or <see cref="FraudFlowStart"/>) fails its next <paramref name="times"/> calls for the seller.</summary>
    public void Fail(string target, long sellerId, int times = 1) => _left[(target, Key(sellerId))] = times;

    public void Clear(string target, long sellerId) => _left.TryRemove((target, Key(sellerId)), out _);

    public int Injected(string target, long sellerId) => _injected.GetValueOrDefault((target, Key(sellerId)));

    /// <summary>The next follow-up of one of the seller's orders stops at its first observer, after the order was written: the task completes then.</summary>
    public Task CrashAtFollowUp(long sellerId) => _crashes.GetOrAdd(Key(sellerId), _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;

    internal bool ShouldFail(string target, string sellerId)
    {
        while (_left.TryGetValue((target, sellerId), out var left) && left > 0)
        {
            if (_left.TryUpdate((target, sellerId), left - 1, left))
            {
                _injected.AddOrUpdate((target, sellerId), 1, (_, n) => n + 1);
                return true;
            }
        }

        return false;
    }

    internal TaskCompletionSource? TakeCrash(string sellerId) => _crashes.TryRemove(sellerId, out var crash) ? crash : null;

    private static string Key(long sellerId) => sellerId.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>An observer as registered, wrapped: fails or "dies" when <see cref="FollowUpFaults"/> says so, else runs the real one.</summary>
internal sealed class FaultyObserver(IOrderChangeObserver inner, FollowUpFaults faults) : IOrderChangeObserver
{
    public async Task OnOrderChangedAsync(OrderChange change, CancellationToken cancellationToken)
    {
        if (faults.TakeCrash(change.SellerId) is { } crash)
        {
            crash.SetResult();
            await Task.Delay(Timeout.Infinite, cancellationToken); // the process is gone: nothing after the write runs
        }

        if (faults.ShouldFail(inner.GetType().Name, change.SellerId))
        {
            throw new InvalidOperationException($"injected failure in {inner.GetType().Name} for order {change.OrderId}");
        }

        await inner.OnOrderChangedAsync(change, cancellationToken);
    }
}

/// <summary>The real queue starter of the fraud flow, failing or losing the start when <see cref="FollowUpFaults"/> says so.</summary>
internal sealed class FaultyFraudFlowStarter(StorageClients storage, FollowUpFaults faults) : IFraudFlowStarter
{
    private readonly QueueFraudFlowStarter _inner = new(storage);

    public Task StartOrWakeAsync(string sellerId, long orderId, CancellationToken cancellationToken) =>
        faults.ShouldFail(FollowUpFaults.FraudFlowStart, sellerId)
            ? throw new InvalidOperationException($"injected failure starting the fraud flow of order {orderId}")
            : faults.ShouldFail(FollowUpFaults.FraudFlowStartLost, sellerId)
                ? Task.CompletedTask
                : _inner.StartOrWakeAsync(sellerId, orderId, cancellationToken);
}

/// <summary>
/// The whole product with automatic feedback on, the sweep's follow-up repair without a grace
/// period, and <see cref="Faults"/> wired into every observer and the fraud flow's starter.
/// </summary>
public sealed class FollowUpWorld : MeliWorld
{
    public FollowUpWorld()
        : this(new FollowUpFaults())
    {
    }

    private FollowUpWorld(FollowUpFaults faults)
        : base(new Dictionary<string, string?>
        {
            ["SellerActions:AutoFeedbackOnDelivered"] = "true",
            ["Fraud:MeliCancelWait"] = "00:05:00",
            ["Sweeps:FollowUpAfter"] = "00:00:00",
        }, builder =>
        {
            builder.Services.AddSingleton<IFraudFlowStarter>(sp => new FaultyFraudFlowStarter(sp.GetRequiredService<StorageClients>(), faults));
            builder.AfterRegistration(services => services.Decorate<IOrderChangeObserver>((_, inner) => new FaultyObserver(inner, faults)));
        }) =>
        Faults = faults;

    public FollowUpFaults Faults { get; }

    public async Task<string> TrackedItemAsync(long sellerId, int quantity)
    {
        var item = (await Admin.CreateItemAsync(sellerId, "Mate de calabaza", 4500m, quantity)).GetProperty("id").GetString()!;
        var set = await Server.Management.PutAsJsonAsync($"api/stock/{sellerId}/{item}", new JsonObject { ["available_quantity"] = quantity });
        Assert.True(set.IsSuccessStatusCode, await set.Content.ReadAsStringAsync());
        return item;
    }

    public async Task<int> LedgerAsync(long sellerId, string itemId) =>
        (int)JsonNode.Parse(await Server.Management.GetStringAsync($"api/stock/{sellerId}/{itemId}"))!["available_quantity"]!;

    public async Task<JsonObject?> FraudCaseAsync(long orderId)
    {
        var response = await Server.Management.GetAsync($"api/fraud-cases/{orderId}");
        return response.StatusCode == HttpStatusCode.NotFound ? null : JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
    }

    public async Task<List<System.Text.Json.JsonElement>> FeedbackAtMeliAsync(long orderId) =>
        (await Admin.GetFeedbackAsync()).EnumerateArray().Where(f => f.GetProperty("order_id").GetInt64() == orderId).ToList();
}
