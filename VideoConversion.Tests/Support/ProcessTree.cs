using System.Diagnostics;
using VideoConversion.Processes;

namespace VideoConversion.Tests.Support;

/// <summary>Processes as Linux's /proc shows them: who started whom, and what they run.</summary>
public static class ProcessTree
{
    /// <summary>The processes named <paramref name="name"/> below <paramref name="ancestor"/>, with their command lines.</summary>
    public static async Task<IReadOnlyList<(int Pid, string CommandLine)>> DescendantsNamedAsync(int ancestor, string name)
    {
        Dictionary<int, (int Parent, string Name)> processes = [];
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), out var pid) && ReadStatus(directory) is { } status)
            {
                processes[pid] = status;
            }
        }

        List<(int, string)> found = [];
        foreach (var (pid, _) in processes.Where(process => process.Value.Name == name))
        {
            if (DescendsFrom(pid, ancestor, processes))
            {
                try
                {
                    found.Add((pid, (await File.ReadAllTextAsync($"/proc/{pid}/cmdline")).Replace('\0', ' ')));
                }
                catch (IOException)
                {
                    // It ended in between.
                }
            }
        }

        return found;
    }

    /// <summary>
    /// Starts the program that <paramref name="launcher"/>'s child named <paramref name="programName"/> runs, with the
    /// launcher's whole environment, on a port of its own: another replica of a service. The caller stops it.
    /// </summary>
    public static async Task<Process> StartSiblingAsync(int launcher, string programName)
    {
        var program = Directory.EnumerateDirectories("/proc")
            .Select(directory => int.TryParse(Path.GetFileName(directory), out var pid) ? pid : 0)
            .Where(pid => pid > 0 && ReadStatus($"/proc/{pid}") is { Parent: var parent } && parent == launcher)
            .Select(pid => $"/proc/{pid}/exe")
            .Select(exe => new FileInfo(exe).LinkTarget)
            .FirstOrDefault(target => target?.EndsWith(programName, StringComparison.Ordinal) == true)
            ?? throw new InvalidOperationException($"The program {programName} was not found below process {launcher}.");

        var startInfo = new ProcessStartInfo(program) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        startInfo.Environment.Clear();
        foreach (var variable in (await File.ReadAllTextAsync($"/proc/{launcher}/environ")).Split('\0', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = variable.IndexOf('=', StringComparison.Ordinal);
            startInfo.Environment[variable[..equals]] = variable[(equals + 1)..];
        }

        startInfo.Environment.Remove("HTTP_PORTS");
        startInfo.Environment.Remove("HTTPS_PORTS");
        startInfo.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        // A management port of its own: the sibling's is taken, and a second process there could not start.
        startInfo.Environment["Management__Port"] = FreeTcpPort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture);
        // A long-running service, not a command: started here and stopped by the caller, so not the process runner.
        var process = Process.Start(startInfo)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static (int Parent, string Name)? ReadStatus(string directory)
    {
        try
        {
            var status = File.ReadAllLines(Path.Combine(directory, "status"));
            var name = status.FirstOrDefault(line => line.StartsWith("Name:", StringComparison.Ordinal))?[5..].Trim() ?? "";
            var parent = status.FirstOrDefault(line => line.StartsWith("PPid:", StringComparison.Ordinal))?[5..].Trim();
            return int.TryParse(parent, out var parentPid) ? (parentPid, name) : null;
        }
        catch (IOException)
        {
            return null; // the process ended while it was read
        }
    }

    private static bool DescendsFrom(int pid, int ancestor, Dictionary<int, (int Parent, string Name)> processes)
    {
        for (var depth = 0; depth < 10 && processes.TryGetValue(pid, out var process); depth++)
        {
            if (process.Parent == ancestor)
            {
                return true;
            }

            pid = process.Parent;
        }

        return false;
    }
}
