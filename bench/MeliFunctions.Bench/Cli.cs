using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace MeliFunctions.Bench;

/// <summary>
/// The command line of every mode, parsed by System.CommandLine: options with their defaults (shown by
/// <c>&lt;mode&gt; --help</c>), the shared <c>--no-docs</c>, and the line a section records to reproduce its run.
/// </summary>
internal static class Cli
{
    public static Option<T> Valued<T>(string name, T defaultValue, string description) =>
        new(name) { Description = description, DefaultValueFactory = _ => defaultValue };

    public static Argument<T> Positional<T>(string name, T defaultValue, string description) =>
        new(name) { Description = description, DefaultValueFactory = _ => defaultValue };

    public static Option<bool> NoDocs() => new("--no-docs") { Description = "print only; do not update docs/benchmarks.md" };

    /// <summary>A comma-separated list of positive whole numbers (<c>200,500,1000</c>).</summary>
    public static Option<int[]> Numbers(string name, int[] defaultValue, string description) =>
        new(name)
        {
            Description = description,
            Arity = ArgumentArity.ExactlyOne,
            DefaultValueFactory = _ => defaultValue,
            CustomParser = result =>
            {
                var values = new List<int>();
                foreach (var part in result.Tokens.Single().Value.Split(','))
                {
                    if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value <= 0)
                    {
                        result.AddError($"{name}: '{part}' is not a positive whole number");
                        return null;
                    }

                    values.Add(value);
                }

                return [.. values];
            },
        };

    /// <summary>A comma-separated list of names, each one of <paramref name="allowed"/> (<c>server,app</c>).</summary>
    public static Option<string[]> Names(string name, string[] allowed, string description) =>
        new(name)
        {
            Description = description,
            Arity = ArgumentArity.ExactlyOne,
            DefaultValueFactory = _ => allowed,
            CustomParser = result =>
            {
                var names = result.Tokens.Single().Value.Split(',');
                if (names.FirstOrDefault(n => !allowed.Contains(n)) is { } unknown)
                {
                    result.AddError($"{name}: unknown '{unknown}' ({string.Join(", ", allowed)})");
                    return null;
                }

                return names;
            },
        };

    /// <summary>The command as typed after <c>--</c>, for a section's "Reproduce" line.</summary>
    public static string Reproduce(ParseResult result) =>
        "dotnet run -c Release --project bench/MeliFunctions.Bench -- " + string.Join(' ', result.Tokens.Select(t => t.Value));
}
