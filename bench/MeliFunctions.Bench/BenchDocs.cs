using System.Runtime.InteropServices;

namespace MeliFunctions.Bench;

/// <summary>
/// The one writer of docs/benchmarks.md: every mode hands it a heading and the section's body, and it
/// replaces that "## heading" section (or appends it, or starts the file), leaving the others alone.
/// </summary>
internal static class BenchDocs
{
    private const string NewFile = "# Benchmarks\n\nFigures printed by `bench/MeliFunctions.Bench`; each section says how it was measured and when.\n";

    public static void Write(string heading, string body)
    {
        var path = Path.Combine(Bench.RepoRoot(), "docs", "benchmarks.md");
        var text = File.Exists(path) ? File.ReadAllText(path) : NewFile;
        var section = $"## {heading}\n\n{body.Trim()}\n";
        var start = text.IndexOf($"## {heading}\n", StringComparison.Ordinal);
        if (start < 0)
        {
            text = text.TrimEnd() + "\n\n" + section;
        }
        else
        {
            var end = text.IndexOf("\n## ", start + heading.Length, StringComparison.Ordinal);
            text = text[..start] + section + (end < 0 ? "" : "\n" + text[(end + 1)..]);
        }

        File.WriteAllText(path, text.TrimEnd() + "\n");
        Console.WriteLine($"Wrote the section \"{heading}\" of {path}");
    }

    /// <summary>Nearest-rank percentile of sorted values.</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Count) - 1, 0, sorted.Count - 1)];

    public static string MachineLine(string loadBefore, string loadAfter) =>
        $"- Machine: {Bench.Machine()}, .NET {RuntimeInformation.FrameworkDescription.Replace(".NET ", "", StringComparison.Ordinal)}. " +
        $"The bench, the sandbox, the Server and Azurite share these cores, and other work was running on the machine: load average (1, 5, 15 min) {loadBefore} at the start, {loadAfter} at the end.";
}
