using System.Text.Json;
using System.Text.RegularExpressions;

namespace MeliFunctions.Infra.Tests.Support;

/// <summary>
/// The product's own settings (what MeliFunctions reads), as opposed to the Functions runtime's:
/// Core's settings catalog, <see cref="MeliFunctions.Configuration.SettingNames.Product"/>.
/// </summary>
internal static partial class ProductSettings
{
    /// <summary>Names in the sample that belong to the Functions runtime, not to the product.</summary>
    public static readonly IReadOnlySet<string> RuntimeOwned = new HashSet<string>(StringComparer.Ordinal)
    {
        "FUNCTIONS_WORKER_RUNTIME",
        "AzureWebJobsStorage",
    };

    public static IReadOnlyList<string> Names() => MeliFunctions.Configuration.SettingNames.Product;

    public static IReadOnlyList<string> SampleValueNames()
    {
        using var sample = JsonDocument.Parse(Repo.ReadText("local.settings.sample.json"));
        return sample.RootElement.GetProperty("Values").EnumerateObject().Select(p => p.Name).ToList();
    }

    /// <summary>
    /// Names written in backticks in the first column of every markdown table in the text (the
    /// README's settings table lists one setting per row that way).
    /// </summary>
    public static IReadOnlySet<string> FirstColumnNames(string markdown)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var rawLine in markdown.Split('\n'))
        {
            var line = rawLine.Trim();
            if (!line.StartsWith('|'))
            {
                continue;
            }

            var firstCell = line[1..].Split('|')[0];
            foreach (Match match in BacktickedName().Matches(firstCell))
            {
                names.Add(match.Groups[1].Value);
            }
        }

        return names;
    }

    [GeneratedRegex(@"`([^`\s]+)`")]
    private static partial Regex BacktickedName();
}
