using System.Globalization;

namespace VideoConversion.LoadTest.Processes;

/// <summary>Who started whom, as Linux's /proc tells it.</summary>
public static class ProcessAncestry
{
    /// <summary>Whether <paramref name="pid"/> is <paramref name="ancestor"/> or runs below it; false once either has ended.</summary>
    public static bool IsBelow(int pid, int ancestor)
    {
        // A chain longer than this is a loop read while processes came and went.
        for (var step = 0; step < 64 && pid > 1; step++)
        {
            if (pid == ancestor)
            {
                return true;
            }

            if (ParentOf(pid) is not { } parent)
            {
                return false;
            }

            pid = parent;
        }

        return pid == ancestor;
    }

    /// <summary>The process that started <paramref name="pid"/>; null once it has ended.</summary>
    public static int? ParentOf(int pid)
    {
        if (ProcessStat.FieldsAfterName(pid) is not { } fields)
        {
            return null;
        }

        return int.TryParse(fields[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var parent) ? parent : null;
    }
}
