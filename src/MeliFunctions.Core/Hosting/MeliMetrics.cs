using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace MeliFunctions.Hosting;

/// <summary>The product's counters and its activity source (OpenTelemetry picks both up by name).</summary>
public sealed class MeliMetrics : IDisposable
{
    public const string Name = "MeliFunctions";

    public static readonly ActivitySource ActivitySource = new(Name);

    private readonly Meter _meter;
    private readonly Counter<long> _received;
    private readonly Counter<long> _ignored;
    private readonly Counter<long> _refused;
    private readonly Counter<long> _meliCalls;
    private readonly Counter<long> _meliErrors;
    private readonly Counter<long> _coalesced;
    private readonly Counter<long> _ordersWritten;

    public MeliMetrics(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(Name);
        _received = _meter.CreateCounter<long>("meli.notifications.received", description: "Notifications accepted and queued");
        _ignored = _meter.CreateCounter<long>("meli.notifications.ignored", description: "Notifications acknowledged and not acted on, by reason");
        _refused = _meter.CreateCounter<long>("meli.notifications.refused", description: "Notifications refused, by reason");
        _meliCalls = _meter.CreateCounter<long>("meli.api.calls", description: "Calls to the Mercado Libre API");
        _meliErrors = _meter.CreateCounter<long>("meli.api.errors", description: "Mercado Libre API errors, by status and code");
        _coalesced = _meter.CreateCounter<long>("meli.orders.gets_saved", description: "Order GETs saved by coalescing");
        _ordersWritten = _meter.CreateCounter<long>("meli.orders.written", description: "Order writes, by outcome");
    }

    public void NotificationAccepted(string topic) => _received.Add(1, new KeyValuePair<string, object?>("topic", topic));

    public void NotificationIgnored(string topic, string reason) =>
        _ignored.Add(1, new KeyValuePair<string, object?>("topic", topic), new KeyValuePair<string, object?>("reason", reason));

    public void NotificationRefused(string reason) => _refused.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void MeliCall(string operation) => _meliCalls.Add(1, new KeyValuePair<string, object?>("operation", operation));

    public void MeliError(int status, string? code) =>
        _meliErrors.Add(1, new KeyValuePair<string, object?>("status", status), new KeyValuePair<string, object?>("code", code ?? ""));

    public void GetSaved() => _coalesced.Add(1);

    public void OrderWrite(string outcome) => _ordersWritten.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public void Dispose() => _meter.Dispose();
}
