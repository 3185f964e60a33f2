namespace MeliFunctions.Testing;

/// <summary>Rates read from the times Mercado Libre's sandbox stamped calls with.</summary>
public static class CallRate
{
    /// <summary>The most calls whose times fall within one second of each other.</summary>
    public static int PeakInAnySecond(IEnumerable<DateTimeOffset> times)
    {
        var sorted = times.Order().ToList();
        var peak = 0;
        for (int start = 0, end = 0; end < sorted.Count; end++)
        {
            while (sorted[end] - sorted[start] >= TimeSpan.FromSeconds(1))
            {
                start++;
            }

            peak = Math.Max(peak, end - start + 1);
        }

        return peak;
    }
}
