using System.Reflection;
using System.Text.RegularExpressions;
using MeliFunctions.Testing;

namespace MeliFunctions.Tests.Hosting;

/// <summary>Every setting the README and the docs name (<c>Section__Name</c>) is one the code reads.</summary>
public sealed partial class DocumentedSettingsTests
{
    /// <summary>Settings read by key rather than through an options class, with where they are read.</summary>
    private static readonly Dictionary<string, string> ReadByKey = new(StringComparer.Ordinal)
    {
        ["AzureWebJobsStorage__blobServiceUri"] = "the Azure SDK's identity-based connection (the Functions host)",
        ["AzureWebJobsStorage__queueServiceUri"] = "the Azure SDK's identity-based connection (the Functions host)",
        ["Telemetry__Console"] = MeliFunctions.Hosting.Telemetry.ConsoleSetting,
    };

    [Fact]
    public void Every_documented_setting_is_a_property_of_the_options_class_of_its_section()
    {
        var known = OptionsClasses()
            .SelectMany(o => o.Type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite).Select(p => $"{o.Section}__{p.Name}"))
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
        Assert.Contains("Stock__OwnPushEchoWindow", known);

        var unknown = DocumentedSettings()
            .Where(s => !known.Contains(s.Setting) && !ReadByKey.ContainsKey(s.Setting))
            .Select(s => $"{s.Setting} ({s.File})")
            .ToList();
        Assert.True(unknown.Count == 0, "documented settings no code reads: " + string.Join(", ", unknown));
    }

    private static IEnumerable<(string Section, Type Type)> OptionsClasses() =>
        new[] { typeof(MeliFunctions.Stock.StockOptions).Assembly, typeof(MeliFunctions.Server.MeliServer).Assembly }
            .SelectMany(a => a.GetTypes())
            .Select(t => (Type: t, Field: t.GetField("Section", BindingFlags.Public | BindingFlags.Static)))
            .Where(x => x.Field is { IsLiteral: true } && x.Field.FieldType == typeof(string))
            .Select(x => ((string)x.Field!.GetRawConstantValue()!, x.Type))
            .Append(("Sandbox", typeof(MeliFunctions.Sandbox.SandboxOptions)));

    /// <summary>The README and docs/*.md, except the benchmarks (a record of past runs, which names settings since replaced).</summary>
    private static IEnumerable<(string Setting, string File)> DocumentedSettings() =>
        Directory.GetFiles(Path.Combine(RepoPaths.Root, "docs"), "*.md")
            .Where(f => Path.GetFileName(f) != "benchmarks.md")
            .Append(Path.Combine(RepoPaths.Root, "README.md"))
            .SelectMany(f => SettingName().Matches(File.ReadAllText(f)).Select(m => (m.Groups[1].Value, Path.GetRelativePath(RepoPaths.Root, f))))
            .Distinct();

    [GeneratedRegex(@"`([A-Z][A-Za-z]+__[A-Za-z]+)(?:=[^`]*)?`")]
    private static partial Regex SettingName();
}
