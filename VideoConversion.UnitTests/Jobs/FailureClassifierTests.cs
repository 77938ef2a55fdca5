using VideoConversion.Contracts.Jobs;
using VideoConversion.Infrastructure.Storage;
using VideoConversion.Worker.Jobs;

namespace VideoConversion.UnitTests.Jobs;

/// <summary>Storage failing the worker's transfers is a fault of the system, retried, and never the file's.</summary>
public class FailureClassifierTests
{
    public static TheoryData<Exception> StorageFaults =>
    [
        new StorageUnavailableException(new HttpRequestException("Storage answered 500: InternalError")),
        new StorageRefusedException("NoSuchUpload", null, "The upload is gone."),
        new HttpRequestException("Connection refused"),
    ];

    [Theory]
    [MemberData(nameof(StorageFaults))]
    public void A_storage_fault_is_the_systems_and_names_no_file_message(Exception fault)
    {
        var (cause, fileMessage) = FailureClassifier.Classify(fault);

        Assert.Equal(FailureCause.StorageUnavailable, cause);
        Assert.Null(fileMessage);
    }
}
