using MeliFunctions.Fraud;

namespace MeliFunctions.Tests.Fraud;

/// <summary>
/// The fraud flow's retry rule, which both drivers follow: the Server asks it for each failure, the
/// App hands its figures to the Durable engine (whose wait after the n-th failure is
/// first × coefficient^(n − 1), at most the maximum).
/// </summary>
public sealed class FraudStepRetryTests
{
    [Theory]
    [InlineData(1, 5.0)]
    [InlineData(2, 10.0)]
    [InlineData(3, 20.0)]
    [InlineData(6, 160.0)]
    [InlineData(7, 300.0)] // 320 s, capped at 5 minutes
    public void The_default_rule_waits_5_s_doubling_up_to_5_minutes(long failures, double seconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(seconds), FraudStepRetry.Default.DelayAfter(failures));
    }

    [Theory]
    [InlineData(7, false)]
    [InlineData(8, true)]
    [InlineData(9, true)]
    public void The_default_rule_gives_up_after_8_attempts(long failures, bool givesUp)
    {
        Assert.Equal(givesUp, FraudStepRetry.Default.GivesUpAfter(failures));
        Assert.Equal(givesUp, FraudStepRetry.Default.DelayAfter(failures) is null);
    }

    [Theory]
    [InlineData(3, 1000, 1.5, 4000, 1, 1000)]
    [InlineData(3, 1000, 1.5, 4000, 2, 1500)]
    [InlineData(3, 1000, 1.5, 4000, 3, null)]
    [InlineData(5, 1000, 1.0, 4000, 4, 1000)]   // coefficient 1: a fixed interval
    [InlineData(5, 1000, 3.0, 4000, 3, 4000)]   // 9 s, capped at 4 s
    [InlineData(1, 1000, 2.0, 4000, 1, null)]   // one attempt: no retry at all
    public void The_rule_is_read_from_the_fraud_settings(int maxAttempts, int firstMs, double coefficient, int maxMs, long failures, int? expectedMs)
    {
        var retry = FraudStepRetry.From(new FraudOptions
        {
            MaxStepAttempts = maxAttempts,
            FirstRetryInterval = TimeSpan.FromMilliseconds(firstMs),
            BackoffCoefficient = coefficient,
            MaxRetryInterval = TimeSpan.FromMilliseconds(maxMs),
        });

        Assert.Equal(expectedMs is { } ms ? TimeSpan.FromMilliseconds(ms) : null, retry.DelayAfter(failures));
    }

    [Theory]
    [InlineData("00:00:00", 2.0, "00:05:00", "Fraud__FirstRetryInterval")]
    [InlineData("00:00:05", 0.5, "00:05:00", "Fraud__BackoffCoefficient")]
    [InlineData("00:00:05", double.NaN, "00:05:00", "Fraud__BackoffCoefficient")]
    [InlineData("00:01:00", 2.0, "00:00:30", "Fraud__MaxRetryInterval")]
    [InlineData("00:00:05", 2.0, "8.00:00:00", "Fraud__MaxRetryInterval")]
    public void Bad_retry_settings_are_refused_naming_the_setting(string first, double coefficient, string max, string named)
    {
        var options = new FraudOptions { FirstRetryInterval = TimeSpan.Parse(first), BackoffCoefficient = coefficient, MaxRetryInterval = TimeSpan.Parse(max) };

        Assert.StartsWith(named, options.Validate());
        Assert.Null(new FraudOptions().Validate());
    }
}
