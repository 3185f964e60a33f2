namespace MeliFunctions.Testing;

public static class RepoPaths
{
    /// <summary>The folder that holds MeliFunctions.sln, found by walking up from the test binaries.</summary>
    public static string Root { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "MeliFunctions.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("MeliFunctions.sln not found above " + AppContext.BaseDirectory);
    }
}
