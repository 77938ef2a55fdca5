namespace VideoConversion.Infrastructure.Jobs;

/// <summary>Failure messages that more than one service writes on a job.</summary>
public static class JobFailureMessages
{
    public static string InterruptedTooOften(int attempts) =>
        $"The conversion was interrupted {attempts} times (the worker stopped or crashed each time), so the job was set aside.";
}
