using System.Text.Json;

namespace MeliFunctions.Infra.Tests.Support;

/// <summary>infra/main.bicep built once per test run with the packaged Bicep CLI into a temp folder.</summary>
internal static class Compiled
{
    private static readonly Lazy<(BicepRun Run, string Json)> Build = new(BuildMain);
    private static readonly Lazy<ArmTemplate> Template = new(Parse);

    public static BicepRun MainBuild => Build.Value.Run;

    /// <summary>The ARM JSON text of infra/main.bicep.</summary>
    public static string MainJson => Build.Value.Json;

    public static ArmTemplate Main => Template.Value;

    private static (BicepRun, string) BuildMain()
    {
        var outDir = Directory.CreateTempSubdirectory("meli-infra-");
        try
        {
            var outFile = Path.Combine(outDir.FullName, "main.json");
            var run = BicepCli.Run("build", Repo.PathOf("infra", "main.bicep"), "--outfile", outFile);
            return (run, File.Exists(outFile) ? File.ReadAllText(outFile) : string.Empty);
        }
        finally
        {
            outDir.Delete(recursive: true);
        }
    }

    private static ArmTemplate Parse()
    {
        if (MainBuild.ExitCode != 0 || MainJson.Length == 0)
        {
            throw new InvalidOperationException($"bicep build failed ({MainBuild.ExitCode}):\n{MainBuild.StdErr}");
        }

        // The document lives for the whole run: the elements handed out point into it.
        return new ArmTemplate(JsonDocument.Parse(MainJson).RootElement);
    }
}
