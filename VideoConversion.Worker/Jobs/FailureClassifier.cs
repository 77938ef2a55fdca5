using Minio.Exceptions;
using RabbitMQ.Client.Exceptions;
using VideoConversion.Contracts.Jobs;
using VideoConversion.Infrastructure.Jobs;
using VideoConversion.Infrastructure.Storage;
using VideoConversion.Worker.Conversion;

namespace VideoConversion.Worker.Jobs;

/// <summary>
/// Names the cause of a failed attempt, for <see cref="RetryPolicy"/>. Only the conversion's own
/// verdict on the file (<see cref="ConversionFailedException"/>) blames the file; everything else
/// that can go wrong in a worker is a fault of the system.
/// </summary>
public static class FailureClassifier
{
    /// <summary>ENOSPC, as .NET reports it on Linux.</summary>
    private const int NoSpaceLeftOnDevice = 28;

    /// <returns>The cause and, for the file's own faults, the sentence for its uploader.</returns>
    public static (FailureCause Cause, string? FileMessage) Classify(Exception exception) => exception switch
    {
        ConversionFailedException failed => (failed.Cause, failed.Message),
        SystemFaultException fault => (fault.Cause, null),
        IOException io when IsDiskFull(io) => (FailureCause.ScratchDiskFull, null),
        MinioException or HttpRequestException or HttpIOException or TimeoutException or StorageUnavailableException or StorageRefusedException
            => (FailureCause.StorageUnavailable, null),
        // A transfer that ran past its time limit (the job itself was not cancelled).
        OperationCanceledException => (FailureCause.StorageUnavailable, null),
        RabbitMQClientException or OperationInterruptedException or AlreadyClosedException => (FailureCause.BrokerUnavailable, null),
        _ => (FailureCause.Unexpected, null),
    };

    private static bool IsDiskFull(IOException exception) =>
        exception.HResult == NoSpaceLeftOnDevice ||
        exception.Message.Contains("No space left on device", StringComparison.OrdinalIgnoreCase) ||
        (exception.InnerException is IOException inner && IsDiskFull(inner));
}
