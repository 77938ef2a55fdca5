using System.Globalization;
using System.Text;
using Minio;
using Minio.DataModel.Args;
using Minio.Exceptions;
using VideoConversion.Infrastructure.Storage;

namespace VideoConversion.Worker.Jobs;

/// <summary>
/// Counts the attempts on a job in object storage, next to its input. RabbitMQ 3.x counts a
/// delivery whose worker died towards the queue's delivery limit, but 4.3 and later count only
/// explicit rejections, so there a job that kills its worker every time would be redelivered for
/// ever. The ledger counts every attempt that started and was not handed back, on any broker.
/// </summary>
public sealed partial class AttemptLedger(IMinioClient storage, ILogger<AttemptLedger> logger)
{
    /// <summary>Records a new attempt and returns its number: the higher of the ledger's and the broker's count.</summary>
    public async Task<int> BeginAsync(string jobId, int brokerAttempt, CancellationToken cancellationToken)
    {
        var attempt = Math.Max(await ReadAsync(jobId, cancellationToken) + 1, brokerAttempt);
        await WriteAsync(jobId, attempt, cancellationToken);
        return attempt;
    }

    /// <summary>The attempt was given back unfinished (a shutdown), not failed: it does not count.</summary>
    public async Task HandBackAsync(string jobId, int attempt)
    {
        try
        {
            await WriteAsync(jobId, attempt - 1, CancellationToken.None);
        }
        catch (Exception exception) when (exception is MinioException or HttpRequestException)
        {
            LogHandBackFailed(logger, exception, jobId); // the attempt then counts as a failed one
        }
    }

    /// <summary>The job has its outcome; the ledger entry goes. A leftover entry is harmless (a few bytes).</summary>
    public async Task ForgetAsync(string jobId)
    {
        try
        {
            await storage.RemoveObjectAsync(new RemoveObjectArgs().WithBucket(StorageNames.InputBucket).WithObject(Key(jobId)));
        }
        catch (Exception exception) when (exception is MinioException or HttpRequestException)
        {
            LogForgetFailed(logger, exception, jobId);
        }
    }

    /// <summary>Beside the input, under an extension no upload can have (uploads use an allow-list of video extensions).</summary>
    public static string Key(string jobId) => $"{jobId}.attempts";

    private async Task<int> ReadAsync(string jobId, CancellationToken cancellationToken)
    {
        using var content = new MemoryStream();
        try
        {
            await storage.GetObjectAsync(new GetObjectArgs()
                .WithBucket(StorageNames.InputBucket).WithObject(Key(jobId))
                .WithCallbackStream(stream => stream.CopyTo(content)), cancellationToken);
        }
        catch (ObjectNotFoundException)
        {
            return 0;
        }

        return int.TryParse(Encoding.ASCII.GetString(content.ToArray()), NumberStyles.Integer, CultureInfo.InvariantCulture, out var count) ? count : 0;
    }

    private async Task WriteAsync(string jobId, int attempts, CancellationToken cancellationToken)
    {
        var bytes = Encoding.ASCII.GetBytes(attempts.ToString(CultureInfo.InvariantCulture));
        using var content = new MemoryStream(bytes);
        await storage.PutObjectAsync(new PutObjectArgs()
            .WithBucket(StorageNames.InputBucket).WithObject(Key(jobId))
            .WithStreamData(content).WithObjectSize(bytes.Length).WithContentType("text/plain"), cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: the handed-back attempt could not be uncounted")]
    private static partial void LogHandBackFailed(ILogger logger, Exception exception, string jobId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: its attempt count could not be removed from storage")]
    private static partial void LogForgetFailed(ILogger logger, Exception exception, string jobId);
}
