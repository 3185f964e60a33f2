using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using MeliFunctions.Sandbox.Faults;

namespace MeliFunctions.Sandbox.Notifications;

/// <summary>
/// Mercado Libre's notification sender: POSTs each notification to the callback URL and retries a
/// non-200 answer with a growing delay until the retry window runs out; then the notification is
/// missed (and listed by <c>/missed_feeds</c>). Applies the notification faults.
/// </summary>
internal sealed class NotificationHub : BackgroundService
{
    private readonly SandboxOptions _options;
    private readonly TimeProvider _time;
    private readonly FaultBook _faults;
    private readonly ILogger<NotificationHub> _logger;
    private readonly HttpClient _http;
    private readonly Channel<NotificationRecord> _queue = Channel.CreateUnbounded<NotificationRecord>(new UnboundedChannelOptions { SingleReader = true });
    private readonly object _sync = new();
    private readonly List<NotificationRecord> _records = [];
    private readonly Random _random;
    private long _sequence;
    private int _inFlight;

    public NotificationHub(SandboxOptions options, TimeProvider time, FaultBook faults, ILogger<NotificationHub> logger)
    {
        _options = options;
        _time = time;
        _faults = faults;
        _logger = logger;
        _random = new Random(unchecked(options.Seed * 17 + 3));
        _http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(1) }) { Timeout = TimeSpan.FromSeconds(10) };
    }

    private long ApplicationId => long.TryParse(_options.AppId, NumberStyles.Integer, CultureInfo.InvariantCulture, out var id) ? id : 0;

    /// <summary>Queues a notification as MeLi would send it (applying drop and duplicate faults).</summary>
    public void Publish(string topic, string resource, long userId)
    {
        var faults = _faults.For(userId);
        var copies = 1 + faults.DuplicateNotifications;
        for (var i = 0; i < copies; i++)
        {
            var record = NewRecord(topic, resource, userId);
            if (_faults.Roll(faults.DropNotificationsRate))
            {
                lock (_sync)
                {
                    record.State = "dropped";
                    record.FinishedAt = _time.GetUtcNow();
                }
                _logger.LogInformation("Notification {Topic} {Resource} for user {UserId} dropped (fault)", topic, resource, userId);
                continue;
            }
            _queue.Writer.TryWrite(record);
        }
    }

    private NotificationRecord NewRecord(string topic, string resource, long userId)
    {
        lock (_sync)
        {
            var bytes = new byte[12];
            _random.NextBytes(bytes);
            var record = new NotificationRecord
            {
                Id = Convert.ToHexStringLower(bytes),
                Resource = resource,
                UserId = userId,
                Topic = topic,
                ApplicationId = ApplicationId,
                Received = _time.GetUtcNow(),
                Sequence = ++_sequence,
            };
            _records.Add(record);
            return record;
        }
    }

    public List<JsonObject> Snapshot()
    {
        lock (_sync)
        {
            return _records.Select(r => r.ToAdminJson()).ToList();
        }
    }

    public List<JsonObject> Missed(string? topic, DateTimeOffset since)
    {
        lock (_sync)
        {
            return _records
                .Where(r => r.State == "missed" && (r.FinishedAt ?? r.Received) >= since && (topic is null || r.Topic == topic))
                .OrderBy(r => r.Sequence)
                .Select(r => r.ToMissedFeedJson())
                .ToList();
        }
    }

    /// <summary>True while a notification is queued or being delivered.</summary>
    public bool Busy => Volatile.Read(ref _inFlight) > 0 || _queue.Reader.Count > 0;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        NotificationRecord? held = null;
        while (!stoppingToken.IsCancellationRequested)
        {
            NotificationRecord next;
            if (held is null)
            {
                try
                {
                    next = await _queue.Reader.ReadAsync(stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                catch (ChannelClosedException)
                {
                    return;
                }
            }
            else
            {
                // Reordering: hold one notification until the next one arrives (or a short while passes), then send the newer first.
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                var readTask = _queue.Reader.WaitToReadAsync(wait.Token).AsTask();
                var timeout = Task.Delay(TimeSpan.FromMilliseconds(500), _time, wait.Token);
                await Task.WhenAny(readTask, timeout);
                await wait.CancelAsync();
                if (stoppingToken.IsCancellationRequested)
                {
                    return;
                }

                if (_queue.Reader.TryRead(out var newer))
                {
                    Dispatch([newer, held], stoppingToken);
                }
                else
                {
                    Dispatch([held], stoppingToken);
                }
                held = null;
                continue;
            }

            if (_faults.For(next.UserId).ReorderNotifications)
            {
                held = next;
                continue;
            }
            Dispatch([next], stoppingToken);
        }
    }

    /// <summary>Delivers records one after the other (each with its own retries) in the background.</summary>
    private void Dispatch(NotificationRecord[] records, CancellationToken ct)
    {
        Interlocked.Increment(ref _inFlight);
        _ = Task.Run(async () =>
        {
            try
            {
                foreach (var record in records)
                {
                    await DeliverAsync(record, ct);
                }
            }
            finally
            {
                Interlocked.Decrement(ref _inFlight);
            }
        }, CancellationToken.None);
    }

    private async Task DeliverAsync(NotificationRecord record, CancellationToken ct)
    {
        var delayMs = _faults.For(record.UserId).DelayNotificationsMs;
        try
        {
            if (delayMs > 0)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(delayMs), _time, ct);
            }

            var start = _time.GetUtcNow();
            var wait = _options.NotificationRetryInterval;
            for (var attempt = 1; ; attempt++)
            {
                var url = _options.CallbackUrl;
                lock (_sync)
                {
                    record.CallbackUrl = url;
                }

                if (string.IsNullOrWhiteSpace(url))
                {
                    Finish(record, "missed");
                    _logger.LogInformation("Notification {Topic} {Resource} for user {UserId} missed: no callback URL", record.Topic, record.Resource, record.UserId);
                    return;
                }

                var sent = _time.GetUtcNow();
                int? code = null;
                string? error = null;
                try
                {
                    using var response = await _http.PostAsJsonAsync(url, record.Body(attempt, sent), ct);
                    code = (int)response.StatusCode;
                }
                catch (HttpRequestException ex)
                {
                    error = ex.Message;
                }
                catch (TaskCanceledException ex) when (!ct.IsCancellationRequested)
                {
                    error = "timeout: " + ex.Message;
                }
                lock (_sync)
                {
                    record.Attempts.Add(new DeliveryAttempt(attempt, sent, code, error));
                }

                _logger.LogInformation("Notification {Topic} {Resource} for user {UserId} sent, attempt {Attempt}: {HttpCode}",
                    record.Topic, record.Resource, record.UserId, attempt, code?.ToString(CultureInfo.InvariantCulture) ?? error);

                if (code == 200)
                {
                    Finish(record, "delivered");
                    return;
                }
                if (_time.GetUtcNow() - start + wait > _options.NotificationRetryWindow)
                {
                    Finish(record, "missed");
                    _logger.LogInformation("Notification {Topic} {Resource} for user {UserId} missed after {Attempts} attempts", record.Topic, record.Resource, record.UserId, attempt);
                    return;
                }
                await Task.Delay(wait, _time, ct);
                wait = TimeSpan.FromTicks(Math.Min(wait.Ticks * 2, TimeSpan.FromMinutes(15).Ticks));
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The sandbox is stopping.
        }
    }

    private void Finish(NotificationRecord record, string state)
    {
        lock (_sync)
        {
            record.State = state;
            record.FinishedAt = _time.GetUtcNow();
        }
    }

    public override void Dispose()
    {
        _http.Dispose();
        base.Dispose();
    }
}
