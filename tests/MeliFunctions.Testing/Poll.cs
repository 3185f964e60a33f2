namespace MeliFunctions.Testing;

/// <summary>
/// Polling until a condition holds, with a deadline and a message that says what was awaited and
/// the last value seen. Never asserts on elapsed time: the deadline only bounds a wait.
/// </summary>
public static class Poll
{
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

            await Task.Delay(100);
            value = await probe();
        }

        return value;
    }
}
