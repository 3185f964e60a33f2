using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace MeliFunctions.Tests.Infrastructure;

/// <summary>An <see cref="ILoggerProvider"/> that keeps every log entry the Server writes: message, state, scopes and exception.</summary>
public sealed class LogCapture : ILoggerProvider, ISupportExternalScope
{
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    public ConcurrentQueue<CapturedLog> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose()
    {
    }

    /// <summary>Everything written, as one text per entry (what a log sink could see).</summary>
    public IEnumerable<string> AllText() => Entries.Select(e => e.ToString());

    private sealed class Logger(LogCapture owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => owner._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var parts = new List<string>();
            if (state is IEnumerable<KeyValuePair<string, object?>> values)
            {
                parts.AddRange(values.Select(kv => $"{kv.Key}={kv.Value}"));
            }

            owner._scopes.ForEachScope((scope, list) =>
            {
                if (scope is IEnumerable<KeyValuePair<string, object?>> kvs)
                {
                    list.AddRange(kvs.Select(kv => $"{kv.Key}={kv.Value}"));
                }
                else if (scope is IEnumerable<KeyValuePair<string, object>> kvo)
                {
                    list.AddRange(kvo.Select(kv => $"{kv.Key}={kv.Value}"));
                }
                else
                {
                    list.Add(scope?.ToString() ?? "");
                }
            }, parts);
            owner.Entries.Enqueue(new CapturedLog(logLevel, category, formatter(state, exception), string.Join(" | ", parts), exception?.ToString()));
        }
    }
}

public sealed record CapturedLog(LogLevel Level, string Category, string Message, string State, string? Exception)
{
    public override string ToString() => $"{Level} {Category}: {Message} [{State}] {Exception}";
}
