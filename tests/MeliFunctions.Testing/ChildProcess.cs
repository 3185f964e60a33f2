using System.Diagnostics;

namespace MeliFunctions.Testing;

/// <summary>Ending the processes tests start (Azurite, the Functions host, the Server).</summary>
public static class ChildProcess
{
    /// <summary>Kills the process and its descendants at once (SIGKILL); a process already gone is fine.</summary>
    public static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
        }
    }
}
