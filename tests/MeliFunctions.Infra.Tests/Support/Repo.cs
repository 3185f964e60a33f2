namespace MeliFunctions.Infra.Tests.Support;

/// <summary>Paths in the repository, found by walking up from the test assembly to the folder with MeliFunctions.sln.</summary>
internal static class Repo
{
    private static readonly Lazy<string> RootPath = new(FindRoot);

    public static string Root => RootPath.Value;

    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    public static string ReadText(params string[] parts) => File.ReadAllText(PathOf(parts));

    private static string FindRoot()
    {
        var start = Path.GetDirectoryName(typeof(Repo).Assembly.Location)
            ?? throw new InvalidOperationException("The test assembly has no location.");
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "MeliFunctions.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No folder above '{start}' holds MeliFunctions.sln.");
    }
}
