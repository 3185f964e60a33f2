using System.Collections.Concurrent;
using System.Diagnostics;
using MeliFunctions.Hosting;
using MeliFunctions.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace MeliFunctions.Tests.Operations;

/// <summary>Keeps every span the Server's tracer provider exports (a processor added to the product's own OpenTelemetry setup).</summary>
public sealed class SpanCollector : BaseProcessor<Activity>
{
    public ConcurrentQueue<Activity> Spans { get; } = new();

    public override void OnEnd(Activity data) => Spans.Enqueue(data);
}

/// <summary>Keeps every log record the Server's OpenTelemetry logger provider exports.</summary>
public sealed class LogRecordCollector : BaseProcessor<LogRecord>
{
    public ConcurrentQueue<(string? Category, string? Message, ActivityTraceId TraceId)> Records { get; } = new();

    public override void OnEnd(LogRecord data) => Records.Enqueue((data.CategoryName, data.FormattedMessage, data.TraceId));
}

/// <summary>Keeps the names of the metrics the Server's OpenTelemetry meter provider exports.</summary>
public sealed class MetricNameCollector : BaseExporter<Metric>
{
    public ConcurrentDictionary<string, bool> Names { get; } = new();

    public override ExportResult Export(in Batch<Metric> batch)
    {
        foreach (var metric in batch)
        {
            Names[metric.Name] = true;
        }

        return ExportResult.Success;
    }
}

/// <summary>
/// A world whose Server's OpenTelemetry providers also hand their spans to <see cref="Spans"/>,
/// their log records to <see cref="Logs"/> and their metrics to <see cref="Metrics"/> (read on a flush).
/// </summary>
public sealed class TracedMeliWorld : MeliWorld
{
    public TracedMeliWorld()
        : this(new SpanCollector(), new LogRecordCollector(), new MetricNameCollector())
    {
    }

    private TracedMeliWorld(SpanCollector spans, LogRecordCollector logs, MetricNameCollector metrics)
        : base(new Dictionary<string, string?>(), builder =>
        {
            builder.Services.ConfigureOpenTelemetryTracerProvider(t => t.AddProcessor(spans));
            builder.Services.ConfigureOpenTelemetryLoggerProvider(l => l.AddProcessor(logs));
            builder.Services.ConfigureOpenTelemetryMeterProvider(m => m.AddReader(new BaseExportingMetricReader(metrics)));
        })
    {
        Spans = spans;
        Logs = logs;
        Metrics = metrics;
    }

    public SpanCollector Spans { get; }

    public LogRecordCollector Logs { get; }

    public MetricNameCollector Metrics { get; }
}

/// <summary>One notification, one trace: the webhook request, the queued message's order sync and the MeLi GET it made.</summary>
public sealed class TraceTests(TracedMeliWorld world) : IClassFixture<TracedMeliWorld>
{
    [Fact]
    public async Task One_notification_yields_one_connected_trace()
    {
        var seller = await world.ConnectSellerAsync("TIENDA_TRAZA");
        var (orderId, _) = await world.CreatePaidOrderAsync(seller);
        await world.WaitForStoredOrderAsync(orderId);
        var port = world.Server.BaseUrl.Port;

        // Spans end after the work they time: wait until one sync of this order has its whole chain.
        var chain = await world.EventuallyAsync(
            () => Task.FromResult(FindChain(world.Spans.Spans.ToArray(), orderId, port)),
            found => found is not null,
            "a webhook span, its order.sync span and the MeLi GET under it");
        var (webhook, sync, meliGet) = chain!.Value;

        Assert.Equal(ActivityKind.Server, webhook.Kind);
        Assert.Equal("/api/notifications", webhook.GetTagItem("url.path"));
        Assert.Equal(MeliMetrics.Name, sync.Source.Name);
        Assert.Equal(ActivityKind.Consumer, sync.Kind);
        Assert.Equal(seller.ToString(), sync.GetTagItem("meli.seller_id"));
        Assert.Equal(ActivityKind.Client, meliGet.Kind);
        Assert.Equal("GET", meliGet.GetTagItem("http.request.method"));

        // One trace, parent-linked: webhook -> (queue message) -> order.sync -> ... -> GET /orders/{id}.
        Assert.Equal(webhook.TraceId, sync.TraceId);
        Assert.Equal(webhook.TraceId, meliGet.TraceId);
        Assert.Equal(webhook.SpanId, sync.ParentSpanId);
        Assert.True(IsDescendant(meliGet, sync, world.Spans.Spans.ToArray()), "the MeLi GET is not under the order.sync span");
    }

    [Fact]
    public async Task The_order_syncs_logs_go_through_the_same_pipeline_joined_to_its_trace()
    {
        var seller = await world.ConnectSellerAsync("TIENDA_LOGS");
        var (orderId, _) = await world.CreatePaidOrderAsync(seller);
        await world.WaitForStoredOrderAsync(orderId);

        // OrderSync logs each write ("Order {id} of seller {seller}: Inserted ..."), inside the order.sync span.
        var record = await world.EventuallyAsync(
            () => Task.FromResult(world.Logs.Records.FirstOrDefault(r => r.Category == typeof(MeliFunctions.Orders.OrderSync).FullName && r.Message?.StartsWith($"Order {orderId} of seller", StringComparison.Ordinal) == true)),
            r => r.Message is not null,
            "the order sync's log record in the OpenTelemetry pipeline");
        Assert.NotEqual(default, record.TraceId);

        // The order can be synced more than once (each notification its own trace): the record's trace is one of its order.sync spans.
        await world.EventuallyAsync(
            () => Task.FromResult(world.Spans.Spans.Where(s => s.OperationName == "order.sync" && (s.GetTagItem("meli.resource") as string) == $"/orders/{orderId}").Select(s => s.TraceId).ToList()),
            traces => traces.Contains(record.TraceId),
            $"an order.sync span of order {orderId} in the log record's trace {record.TraceId}");
    }

    [Fact]
    public void Runtime_metrics_go_through_the_pipeline_beside_the_products_meter()
    {
        Assert.True(world.Server.App.Services.GetRequiredService<MeterProvider>().ForceFlush(10_000));

        var names = world.Metrics.Names.Keys.ToArray();
        Assert.Contains(names, n => n.StartsWith("dotnet.gc.", StringComparison.Ordinal) || n.StartsWith("process.runtime.dotnet.", StringComparison.Ordinal));
        Assert.Contains(names, n => n.StartsWith("dotnet.thread_pool.", StringComparison.Ordinal) || n.StartsWith("process.runtime.dotnet.thread_pool.", StringComparison.Ordinal));
    }

    private static (Activity Webhook, Activity Sync, Activity MeliGet)? FindChain(Activity[] spans, long orderId, int serverPort)
    {
        var byId = spans.GroupBy(s => s.SpanId).ToDictionary(g => g.Key, g => g.First());
        foreach (var sync in spans.Where(s => s.OperationName == "order.sync" && (s.GetTagItem("meli.resource") as string) == $"/orders/{orderId}"))
        {
            if (!byId.TryGetValue(sync.ParentSpanId, out var webhook) ||
                webhook.Kind != ActivityKind.Server ||
                !Equals(webhook.GetTagItem("server.port"), serverPort))
            {
                continue;
            }

            var get = spans.FirstOrDefault(s =>
                s.Kind == ActivityKind.Client &&
                s.TraceId == sync.TraceId &&
                (s.GetTagItem("url.full") as string)?.Contains($"/orders/{orderId}", StringComparison.Ordinal) == true &&
                IsDescendant(s, sync, spans));
            if (get is not null)
            {
                return (webhook, sync, get);
            }
        }

        return null;
    }

    private static bool IsDescendant(Activity span, Activity ancestor, Activity[] spans)
    {
        var byId = spans.GroupBy(s => s.SpanId).ToDictionary(g => g.Key, g => g.First());
        for (var current = span; current is not null;)
        {
            if (current.ParentSpanId == ancestor.SpanId)
            {
                return true;
            }

            current = byId.GetValueOrDefault(current.ParentSpanId);
        }

        return false;
    }
}
