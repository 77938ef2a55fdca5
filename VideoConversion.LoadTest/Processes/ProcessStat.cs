namespace VideoConversion.LoadTest.Processes;

/// <summary>A process's line of /proc/PID/stat (proc(5)), read as fields.</summary>
public static class ProcessStat
{
    /// <summary>
    /// The fields after the command's name: index 0 is proc(5)'s field 3 (the state), so field N is at N − 3.
    /// Null once the process has ended.
    /// </summary>
    public static string[]? FieldsAfterName(int pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return null;
        }

        // "pid (comm) state ppid ...": the command name may hold spaces and parentheses, so read after its last ')'.
        return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
    }
}
