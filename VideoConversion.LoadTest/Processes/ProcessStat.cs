using System.Globalization;

namespace VideoConversion.LoadTest.Processes;

/// <summary>A process's line of /proc/PID/stat (proc(5)), read as fields.</summary>
public static class ProcessStat
{
    /// <summary>USER_HZ, the unit of /proc's times: 100 on every architecture Linux and .NET run on together.</summary>
    public const double TicksPerSecond = 100;

    /// <summary>
    /// The fields after the command's name: index 0 is proc(5)'s field 3 (the state), so field N is at N − 3.
    /// Null once the process has ended, or when /proc does not let this user read it.
    /// </summary>
    public static string[]? FieldsAfterName(int pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return null;
        }

        // "pid (comm) state ppid ...": the command name may hold spaces and parentheses, so read after its last ')'.
        return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
    }

    /// <summary>
    /// Two of proc(5)'s tick counts added, in seconds: utime and stime (fields 14 and 15) are the process's own CPU time,
    /// cutime and cstime (16 and 17) its waited-for children's. Null when a field is not a number.
    /// </summary>
    public static double? Seconds(string[] fields, int userField, int systemField) =>
        long.TryParse(fields[userField - 3], NumberStyles.Integer, CultureInfo.InvariantCulture, out var user)
        && long.TryParse(fields[systemField - 3], NumberStyles.Integer, CultureInfo.InvariantCulture, out var system)
            ? (user + system) / TicksPerSecond
            : null;
}
