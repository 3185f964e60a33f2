namespace MeliFunctions.Testing;

/// <summary>CPU time of a process, from /proc (Linux), for the benchmarks' CPU-per-request figures.</summary>
public static class ProcessCpu
{
    /// <summary>User plus system CPU seconds the process has used so far; 0 when it is gone or /proc is not there.</summary>
    public static double SecondsOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            // utime and stime: fields 14 and 15 of /proc/<pid>/stat, in clock ticks (100 per second).
            return (long.Parse(fields[11], System.Globalization.CultureInfo.InvariantCulture) + long.Parse(fields[12], System.Globalization.CultureInfo.InvariantCulture)) / 100.0;
        }
        catch (IOException)
        {
            return 0;
        }
    }
}
