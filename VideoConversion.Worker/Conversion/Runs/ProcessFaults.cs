using System.Text.RegularExpressions;
using VideoConversion.Contracts.Jobs;
using VideoConversion.Processes;

namespace VideoConversion.Worker.Conversion.Runs;

/// <summary>
/// Tells a failed FFmpeg or ffprobe run that the system caused (killed, crashed, out of memory,
/// disk full) from one where the program refused the file. Only the latter is the file's fault.
/// </summary>
public static partial class ProcessFaults
{
    private const int SigKill = 9;

    /// <summary>A fault of the system behind a failed run, or null when the program itself refused the input.</summary>
    public static SystemFaultException? Of(string program, ProcessResult result)
    {
        var name = Path.GetFileName(program);
        if (result.TerminatingSignal is { } signal)
        {
            // The kernel's OOM killer (a pod at its memory limit) sends SIGKILL, and so does nothing
            // else of ours; other signals are crashes (SIGSEGV, SIGABRT, SIGBUS…).
            return signal == SigKill
                ? new SystemFaultException(FailureCause.OutOfMemory, $"{name} was killed (SIGKILL), most likely by the out-of-memory killer.", result.StandardErrorTail)
                : new SystemFaultException(FailureCause.ProcessCrashed, $"{name} ended by signal {signal}.", result.StandardErrorTail);
        }

        if (OutOfMemory().IsMatch(result.StandardErrorTail))
        {
            return new SystemFaultException(FailureCause.OutOfMemory, $"{name} ran out of memory.", result.StandardErrorTail);
        }

        if (DiskFull().IsMatch(result.StandardErrorTail))
        {
            return new SystemFaultException(FailureCause.ScratchDiskFull, $"{name} ran out of scratch disk space.", result.StandardErrorTail);
        }

        return null;
    }

    /// <summary>
    /// ENOMEM as FFmpeg and its libraries word it: strerror's "Cannot allocate memory" (libav*),
    /// x264's "malloc of size N failed", and the loader's "failed to map segment" when not even
    /// the program fits.
    /// </summary>
    [GeneratedRegex(@"Cannot allocate memory|Out of memory|malloc of size \d+ failed|failed to map segment")]
    private static partial Regex OutOfMemory();

    [GeneratedRegex(@"No space left on device|Disk quota exceeded")]
    private static partial Regex DiskFull();
}
