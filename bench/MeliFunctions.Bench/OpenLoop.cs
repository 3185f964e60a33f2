using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using Azure.Storage.Queues;
using MeliFunctions.Notifications;

namespace MeliFunctions.Bench;

/// <summary>One rate's figures. Latencies in ms, from the scheduled send time to the whole response read.</summary>
internal sealed record StepResult(int Rate, double Seconds, int Sent, int Ok, int NotOk, int Errors, double P50, double P99, double Max, double MaxSendLag, long Queued)
{
    /// <summary>CPU ms per request used by the Server, Azurite and the load generator during the step.</summary>
    public (double Server, double Azurite, double Generator) Cpu { get; init; }

    /// <summary>False when the queue could not be drained within 60 s after the step (Azurite stalled).</summary>
    public bool DrainComplete { get; init; } = true;

    public bool NothingLost => Queued >= Ok;

    public bool Passes => P99 < Bench.P99TargetMs && NotOk == 0 && Errors == 0 && NothingLost;
}

/// <summary>
/// Open-loop load: request i is due at start + i / rate whatever happened to earlier requests, and
/// its latency counts from that due time, so a stalled server or a late sender shows up as
/// latency (no coordinated omission).
/// </summary>
internal static class OpenLoop
{
    private static readonly MediaTypeHeaderValue Json = new("application/json");
    private static long _nextOrderId = 2_000_000_000_000;

    public static HttpClient CreateClient(Uri baseUrl) => new(new SocketsHttpHandler
    {
        MaxConnectionsPerServer = 4096,
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
        UseProxy = false,
        AllowAutoRedirect = false,
    })
    { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(10) };

    /// <summary>A valid MeLi orders_v2 notification for a new order id.</summary>
    public static byte[] Body()
    {
        var id = Interlocked.Increment(ref _nextOrderId);
        var now = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture);
        return Encoding.UTF8.GetBytes(
            $$"""{"_id":"{{Guid.NewGuid()}}","resource":"/orders/{{id}}","user_id":{{Bench.SellerId}},"topic":"{{NotificationTopics.OrdersV2}}","application_id":{{Bench.AppId}},"attempts":1,"sent":"{{now}}","received":"{{now}}"}""");
    }

    public static async Task<StepResult> RunAsync(HttpClient http, QueueClient queue, int rate, TimeSpan duration)
    {
        var n = (int)(rate * duration.TotalSeconds);
        var bodies = new byte[n][];
        for (var i = 0; i < n; i++)
        {
            bodies[i] = Body();
        }

        var latency = new double[n];
        var status = new int[n];
        var tasks = new Task[n];
        var maxLag = 0L;
        var interval = Stopwatch.Frequency / (double)rate;
        var start = Stopwatch.GetTimestamp() + Stopwatch.Frequency / 10;

        // The sender is its own thread, so a busy thread pool cannot delay the schedule.
        var drainer = new Drainer(queue);
        var sender = new Thread(() =>
        {
            var i = 0;
            while (i < n)
            {
                var now = Stopwatch.GetTimestamp();
                for (long due; i < n && (due = start + (long)(i * interval)) <= now; i++)
                {
                    maxLag = Math.Max(maxLag, now - due);
                    tasks[i] = SendAsync(http, bodies[i], due, latency, status, i);
                }

                if (i < n)
                {
                    Thread.Sleep(1);
                }
            }
        })
        { IsBackground = true, Name = "open-loop sender" };
        sender.Start();
        sender.Join();
        await Task.WhenAll(tasks);

        Array.Sort(latency);
        var ok = status.Count(s => s == 200);
        var errors = status.Count(s => s < 0);
        var (queued, complete) = await drainer.StopAsync();
        return new StepResult(rate, duration.TotalSeconds, n, ok, n - ok - errors, errors,
            Percentile(latency, 0.50), Percentile(latency, 0.99), latency[^1], maxLag * 1000.0 / Stopwatch.Frequency, queued)
        { DrainComplete = complete };
    }

    private static async Task SendAsync(HttpClient http, byte[] body, long due, double[] latency, int[] status, int i)
    {
        await Task.Yield();
        try
        {
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = Json;
            using var response = await http.PostAsync("api/notifications", content);
            await response.Content.LoadIntoBufferAsync();
            status[i] = (int)response.StatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            status[i] = -1;
        }

        latency[i] = Stopwatch.GetElapsedTime(due).TotalMilliseconds;
    }

    private static double Percentile(double[] sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
}

/// <summary>The floor: a bare QueueClient loop, Base64 as the webhook writes, N concurrent senders.</summary>
internal static class RawEnqueue
{
    public static async Task<(double Rate, long Count)> RunAsync(QueueClient queue, int concurrency, TimeSpan duration)
    {
        var message = new NotificationMessage
        {
            SellerId = $"{Bench.SellerId}",
            Resource = "/orders/2000000000001",
            Topic = NotificationTopics.OrdersV2,
            NotificationId = Guid.NewGuid().ToString(),
            ApplicationId = Bench.AppId,
            Attempts = 1,
            Sent = DateTimeOffset.UtcNow,
            Received = DateTimeOffset.UtcNow,
        }.ToJson();
        var count = 0L;
        var failed = 0L;
        var drainer = new Drainer(queue);
        var stopwatch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            while (stopwatch.Elapsed < duration)
            {
                try
                {
                    await queue.SendMessageAsync(message);
                    Interlocked.Increment(ref count);
                }
                catch (Exception ex) when (ex is Azure.RequestFailedException or AggregateException or OperationCanceledException)
                {
                    // A stalled Azurite: count it and go on; the run reports it instead of ending.
                    Interlocked.Increment(ref failed);
                }
            }
        }));
        if (failed > 0)
        {
            Console.WriteLine($"Raw enqueue: {failed} sends failed (Azurite did not answer in time); the rate counts only the {count} that succeeded");
        }
        var rate = count / stopwatch.Elapsed.TotalSeconds;
        var (drained, _) = await drainer.StopAsync();
        if (drained != count)
        {
            Console.WriteLine($"Raw enqueue: {count} sent, {drained} drained");
        }

        return (rate, count);
    }
}

/// <summary>
/// Receives and deletes from the queue while load runs, as the Server's pump would, and counts
/// exactly what was on it. Without it, tens of thousands of messages pile up in Azurite and it
/// stalls for seconds at a time (see docs/benchmarks.md).
/// </summary>
internal sealed class Drainer
{
    private readonly QueueClient _queue;
    private volatile bool _stop;
    private readonly Task<bool>[] _loops;
    private long _stoppedAt;
    private long _count;

    public Drainer(QueueClient queue, int loops = 4)
    {
        _queue = queue;
        _loops = Enumerable.Range(0, loops).Select(_ => Task.Run(LoopAsync)).ToArray();
    }

    private async Task<bool> LoopAsync()
    {
        var empty = 0;
        while (!_stop || empty < 3)
        {
            if (_stop && Stopwatch.GetElapsedTime(_stoppedAt) > TimeSpan.FromSeconds(60))
            {
                return false;
            }

            try
            {
                var messages = (await _queue.ReceiveMessagesAsync(32, TimeSpan.FromMinutes(5))).Value;
                if (messages.Length == 0)
                {
                    empty++;
                    await Task.Delay(50);
                    continue;
                }

                empty = 0;
                await Task.WhenAll(messages.Select(m => _queue.DeleteMessageAsync(m.MessageId, m.PopReceipt)));
                Interlocked.Add(ref _count, messages.Length);
            }
            catch (Exception ex) when (ex is Azure.RequestFailedException or OperationCanceledException or AggregateException)
            {
                empty = 0;
            }
        }

        return true;
    }

    /// <summary>Drains what is left (60 s at most), stops, and returns how many messages were taken off the queue.</summary>
    public async Task<(long Count, bool Complete)> StopAsync()
    {
        _stoppedAt = Stopwatch.GetTimestamp();
        _stop = true;
        var complete = await Task.WhenAll(_loops);
        return (Interlocked.Read(ref _count), complete.All(c => c));
    }
}
