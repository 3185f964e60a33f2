namespace MeliFunctions.Sandbox.Tests;

internal static class Poll
{
    /// <summary>Polls until a check passes; fails after a generous timeout. Never asserts on elapsed time.</summary>
    public static async Task<T> UntilAsync<T>(Func<Task<T>> read, Func<T, bool> done, int timeoutSeconds = 20)
    {
        var deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        while (true)
        {
            var value = await read();
            if (done(value)) return value;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"condition not met, last value: {value}");
            await Task.Delay(50);
        }
    }
}
