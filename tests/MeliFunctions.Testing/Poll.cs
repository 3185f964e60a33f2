namespace MeliFunctions.Testing;

/// <summary>
/// Polling until a condition holds, with a deadline and a message that says what was awaited and
/// the last value seen. Never asserts on elapsed time: the deadline only bounds a wait.
/// </summary>
public static class Poll
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    public static async Task<T> UntilAsync<T>(Func<Task<T>> probe, Func<T, bool> done, string what = "the condition", TimeSpan? timeout = null, Func<T, string>? describe = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        var value = await probe();
        while (!done(value))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting for {what}; last: {(describe is null ? value?.ToString() : describe(value))}");
            }

            await Task.Delay(Interval);
            value = await probe();
        }

        return value;
    }

    /// <summary>
    /// Until <paramref name="probe"/> answers the same value <paramref name="reads"/> times in a row
    /// (a count of requests, say): whatever was still moving has stopped. Any change starts the count
    /// again, so a busy system is waited for, never sampled once.
    /// </summary>
    public static async Task<T> UntilStableAsync<T>(Func<Task<T>> probe, string what = "the value", int reads = 3, TimeSpan? timeout = null)
        where T : IEquatable<T>
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        var last = await probe();
        var same = 1;
        while (same < reads)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Timed out waiting for {what} to settle; last: {last}");
            }

            await Task.Delay(Interval);
            var value = await probe();
            if (value.Equals(last))
            {
                same++;
            }
            else
            {
                last = value;
                same = 1;
            }
        }

        return last;
    }
}
