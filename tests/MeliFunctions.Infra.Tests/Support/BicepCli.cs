using System.Diagnostics;
using System.Reflection;

namespace MeliFunctions.Infra.Tests.Support;

/// <summary>
/// The Bicep CLI from the Azure.Bicep.CommandLine.linux-x64 package; the build writes its path
/// into the assembly's metadata, so nothing is downloaded at test time.
/// </summary>
internal static class BicepCli
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    public static string ExecutablePath { get; } =
        typeof(BicepCli).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "BicepCliPath").Value
        ?? throw new InvalidOperationException("BicepCliPath metadata is empty.");

    public static BicepRun Run(params string[] arguments)
    {
        EnsureExecutable();
        var start = new ProcessStartInfo(ExecutablePath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)
            ?? throw new InvalidOperationException($"Could not start {ExecutablePath}.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(Timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"bicep {string.Join(' ', arguments)} did not finish in {Timeout}.");
        }

        process.WaitForExit();
        return new BicepRun(process.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
    }

    private static void EnsureExecutable()
    {
        if (!File.Exists(ExecutablePath))
        {
            throw new FileNotFoundException("The Bicep CLI is missing; restore the test project.", ExecutablePath);
        }

        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var mode = File.GetUnixFileMode(ExecutablePath);
        if (!mode.HasFlag(UnixFileMode.UserExecute))
        {
            File.SetUnixFileMode(ExecutablePath, mode | UnixFileMode.UserExecute);
        }
    }
}

internal sealed record BicepRun(int ExitCode, string StdOut, string StdErr)
{
    /// <summary>Diagnostic lines ("file(line,col) : Warning rule: ..." or "... : Error BCPnnn: ...").</summary>
    public IReadOnlyList<string> Diagnostics =>
        (StdErr + "\n" + StdOut)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(line => line.Contains(" : Warning ", StringComparison.Ordinal)
                        || line.Contains(" : Error ", StringComparison.Ordinal)
                        || line.StartsWith("Warning", StringComparison.OrdinalIgnoreCase)
                        || line.StartsWith("Error", StringComparison.OrdinalIgnoreCase))
            .ToList();
}
