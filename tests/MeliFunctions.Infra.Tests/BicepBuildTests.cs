using System.Text.Json;
using MeliFunctions.Infra.Tests.Support;

namespace MeliFunctions.Infra.Tests;

public class BicepBuildTests
{
    [Fact]
    public void Main_bicep_builds_with_no_errors_and_no_warnings()
    {
        var run = Compiled.MainBuild;

        Assert.True(run.ExitCode == 0, $"bicep build exited with {run.ExitCode}:\n{run.StdErr}");
        Assert.Empty(run.Diagnostics);
        Assert.Contains("\"$schema\"", Compiled.MainJson, StringComparison.Ordinal);
    }

    [Fact]
    public void Bicepconfig_turns_the_core_linter_rules_into_warnings()
    {
        using var config = JsonDocument.Parse(Repo.ReadText("infra", "bicepconfig.json"));
        var core = config.RootElement.GetProperty("analyzers").GetProperty("core");
        Assert.True(core.GetProperty("enabled").GetBoolean());

        string[] mustCount =
        [
            "no-unused-params", "no-unused-vars", "no-hardcoded-env-urls", "no-hardcoded-location",
            "no-loc-expr-outside-params", "outputs-should-not-contain-secrets", "secure-parameter-default",
            "secure-secrets-in-params", "secure-params-in-nested-deploy", "protect-commandtoexecute-secrets",
            "use-resource-id-functions", "use-resource-symbol-reference", "use-stable-resource-identifiers",
            "use-secure-value-for-secure-inputs", "no-unnecessary-dependson", "prefer-interpolation",
        ];
        var rules = core.GetProperty("rules");
        foreach (var rule in mustCount)
        {
            Assert.True(rules.TryGetProperty(rule, out var setting), $"bicepconfig.json does not set '{rule}'.");
            Assert.Contains(setting.GetProperty("level").GetString(), new[] { "warning", "error" });
        }
    }

    [Fact]
    public void Bicepconfig_makes_the_linters_security_rules_errors()
    {
        using var config = JsonDocument.Parse(Repo.ReadText("infra", "bicepconfig.json"));
        var rules = config.RootElement.GetProperty("analyzers").GetProperty("core").GetProperty("rules");
        foreach (var rule in SecurityRules)
        {
            Assert.True(rules.TryGetProperty(rule, out var setting), $"bicepconfig.json does not set '{rule}'.");
            Assert.Equal("error", setting.GetProperty("level").GetString());
        }
    }

    private static readonly string[] SecurityRules =
    [
        "adminusername-should-not-be-literal", "outputs-should-not-contain-secrets", "protect-commandtoexecute-secrets",
        "secure-parameter-default", "secure-params-in-nested-deploy", "secure-secrets-in-params", "use-secure-value-for-secure-inputs",
    ];

    [Fact]
    public void Linter_findings_under_the_repo_config_are_reported_as_warnings_and_security_findings_as_errors()
    {
        // Guards the zero-warnings test: a file breaking two rules next to a copy of the config must warn, and fail on the security one.
        var dir = Directory.CreateTempSubdirectory("meli-lint-");
        try
        {
            File.Copy(Repo.PathOf("infra", "bicepconfig.json"), Path.Combine(dir.FullName, "bicepconfig.json"));
            var file = Path.Combine(dir.FullName, "bad.bicep");
            File.WriteAllText(file, "param unused string\n@secure()\nparam token string\noutput token string = token\n");

            var run = BicepCli.Run("build", file, "--stdout");

            Assert.Contains(run.Diagnostics, d => d.Contains("Warning no-unused-params", StringComparison.Ordinal));
            Assert.Contains(run.Diagnostics, d => d.Contains("Error outputs-should-not-contain-secrets", StringComparison.Ordinal));
            Assert.NotEqual(0, run.ExitCode);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public void Parameters_file_supplies_every_required_parameter_and_nothing_unknown()
    {
        using var file = JsonDocument.Parse(Repo.ReadText("infra", "main.parameters.json"));
        var supplied = file.RootElement.GetProperty("parameters").EnumerateObject().Select(p => p.Name).ToHashSet();
        var declared = Compiled.Main.Parameters.EnumerateObject().ToList();

        Assert.Subset(declared.Select(p => p.Name).ToHashSet(), supplied);
        var required = declared.Where(p => !p.Value.TryGetProperty("defaultValue", out _)).Select(p => p.Name);
        Assert.Subset(supplied, required.ToHashSet());
    }
}
