using System.Text.Json;

namespace MeliFunctions.Sandbox.Tests;

/// <summary>Compares a JSON answer with a MeLi example: every field of the example exists with the same JSON kind.</summary>
internal static class JsonShape
{
    public static JsonElement Fixture(string name)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Fixtures", name);
        return JsonDocument.Parse(File.ReadAllText(path)).RootElement.Clone();
    }

    /// <summary>
    /// Lists the differences: fields of <paramref name="expected"/> missing from <paramref name="actual"/>, and kinds
    /// that differ. A null in the example matches anything (MeLi leaves many fields null); a null in the answer
    /// matches only where its path is in <paramref name="nullable"/>. Numbers match numbers (integers or not).
    /// </summary>
    public static List<string> Differences(JsonElement expected, JsonElement actual, ISet<string>? nullable = null, string path = "$")
    {
        var problems = new List<string>();
        Compare(expected, actual, nullable ?? new HashSet<string>(), path, problems);
        return problems;
    }

    private static void Compare(JsonElement expected, JsonElement actual, ISet<string> nullable, string path, List<string> problems)
    {
        if (expected.ValueKind == JsonValueKind.Null)
        {
            return;
        }

        if (actual.ValueKind == JsonValueKind.Null)
        {
            if (!nullable.Contains(path))
            {
                problems.Add($"{path}: expected {expected.ValueKind}, got null");
            }

            return;
        }
        var expectedKind = Normalize(expected.ValueKind);
        var actualKind = Normalize(actual.ValueKind);
        if (expectedKind != actualKind)
        {
            problems.Add($"{path}: expected {expected.ValueKind}, got {actual.ValueKind}");
            return;
        }
        if (expected.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in expected.EnumerateObject())
            {
                if (!actual.TryGetProperty(property.Name, out var value))
                {
                    problems.Add($"{path}.{property.Name}: missing");
                    continue;
                }
                Compare(property.Value, value, nullable, $"{path}.{property.Name}", problems);
            }
        }
        else if (expected.ValueKind == JsonValueKind.Array && expected.GetArrayLength() > 0)
        {
            if (actual.GetArrayLength() == 0)
            {
                if (!nullable.Contains(path + "[]"))
                {
                    problems.Add($"{path}: expected items, got an empty array");
                }

                return;
            }
            foreach (var value in actual.EnumerateArray())
            {
                Compare(expected[0], value, nullable, path + "[]", problems);
            }
        }
    }

    private static JsonValueKind Normalize(JsonValueKind kind) => kind == JsonValueKind.False ? JsonValueKind.True : kind;
}
