using MeliFunctions.Queueing;

namespace MeliFunctions.Tests.Queueing;

/// <summary>The notifications' retry delay: doubling from BaseDelay, jittered, and never past MaxDelay.</summary>
public sealed class RetryBackoffTests
{
    [Theory]
    // base 5 s, max 5 min (the defaults): doubling, stretched by up to 20 %
    [InlineData(5, 300, 1, 0.0, 5)]
    [InlineData(5, 300, 1, 0.5, 5.5)]
    [InlineData(5, 300, 1, 0.999, 5.999)]
    [InlineData(5, 300, 2, 0.0, 10)]
    [InlineData(5, 300, 3, 0.0, 20)]
    [InlineData(5, 300, 4, 0.5, 44)]
    [InlineData(5, 300, 6, 0.9, 188.8)]
    [InlineData(5, 300, 7, 0.0, 300)]   // 320 s: past the cap
    [InlineData(5, 300, 7, 0.999, 300)]
    [InlineData(5, 300, 40, 0.999, 300)]
    [InlineData(5, 300, 0, 0.0, 5)]     // the first attempt, however counted
    // max 22 s: 20 s stretched by 10 % reaches the cap; more jitter must not pass it
    [InlineData(5, 22, 3, 0.5, 22)]
    [InlineData(5, 22, 3, 0.9, 22)]
    [InlineData(5, 22, 3, 0.25, 21)]
    [InlineData(5, 22, 4, 0.999, 22)]
    public void The_delay_doubles_with_jitter_and_never_exceeds_MaxDelay(double baseSeconds, double maxSeconds, long attempt, double sample, double expectedSeconds)
    {
        var options = new RetryOptions { BaseDelay = TimeSpan.FromSeconds(baseSeconds), MaxDelay = TimeSpan.FromSeconds(maxSeconds) };

        var delay = options.Backoff(attempt, sample);

        Assert.Equal(expectedSeconds, delay.TotalSeconds, precision: 3);
        Assert.True(delay <= options.MaxDelay);
    }

    [Fact]
    public void Random_jitter_stays_between_the_doubled_delay_and_MaxDelay()
    {
        var options = new RetryOptions { BaseDelay = TimeSpan.FromSeconds(5), MaxDelay = TimeSpan.FromSeconds(25) };
        for (var i = 0; i < 2000; i++)
        {
            var attempt = (i % 6) + 1;
            var delay = options.Backoff(attempt);
            var doubled = TimeSpan.FromSeconds(5 * Math.Pow(2, attempt - 1));

            Assert.InRange(delay, doubled < options.MaxDelay ? doubled : options.MaxDelay, options.MaxDelay);
        }
    }

    [Theory]
    [InlineData("00:00:05", "00:05:00", null)]
    [InlineData("00:00:00", "00:05:00", "Retry__BaseDelay")]
    [InlineData("00:01:00", "00:00:30", "Retry__MaxDelay")]
    [InlineData("00:00:05", "8.00:00:00", "Retry__MaxDelay")]
    public void Bad_retry_settings_are_refused_naming_the_setting(string baseDelay, string maxDelay, string? named)
    {
        var problem = new RetryOptions { BaseDelay = TimeSpan.Parse(baseDelay), MaxDelay = TimeSpan.Parse(maxDelay) }.Validate();

        if (named is null)
        {
            Assert.Null(problem);
        }
        else
        {
            Assert.StartsWith(named, problem);
        }
    }
}
