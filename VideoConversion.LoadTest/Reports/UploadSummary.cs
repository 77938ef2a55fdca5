using VideoConversion.LoadTest.Runs;

namespace VideoConversion.LoadTest.Reports;

/// <summary>
/// The run's uploads: their rate and what they sent against the files' sizes. Taken over every upload that finished,
/// whatever became of its job afterwards: the conversion does not change how fast the file went.
/// </summary>
/// <param name="Uploads">Uploads that finished.</param>
/// <param name="UploadTypes">How they went: "single", "multipart", or both.</param>
/// <param name="FileBytes">Their files' bytes together.</param>
/// <param name="SentBytes">Bytes handed to storage's connections for them, failed attempts included.</param>
/// <param name="SentRatio">Sent against the files' bytes: 1 when nothing went twice.</param>
/// <param name="MedianMegabytesPerSecond">The median of each upload's own rate (its file's MB over its time; 1 MB = 10⁶ bytes).</param>
/// <param name="AggregateMegabytesPerSecond">All the files' MB over the uploads' summed times: the rate of the average byte,
/// as one client sees it (uploads at the same time are not added up).</param>
public sealed record UploadSummary(
    int Uploads,
    IReadOnlyList<string> UploadTypes,
    long FileBytes,
    long SentBytes,
    double? SentRatio,
    double? MedianMegabytesPerSecond,
    double? AggregateMegabytesPerSecond)
{
    public static UploadSummary Of(IEnumerable<JobResult> jobs)
    {
        var uploaded = jobs.Where(job => job.UploadMegabytesPerSecond is not null).ToList();
        var fileBytes = uploaded.Sum(job => job.UploadBytes);
        var sentBytes = uploaded.Sum(job => job.SentBytes);
        var seconds = uploaded.Sum(job => job.UploadSeconds);
        return new UploadSummary(
            uploaded.Count,
            [.. uploaded.Select(job => job.UploadType).Distinct().Order(StringComparer.Ordinal)],
            fileBytes,
            sentBytes,
            fileBytes > 0 ? (double)sentBytes / fileBytes : null,
            Percentiles.Of(uploaded.Select(job => job.UploadMegabytesPerSecond!.Value), 50),
            seconds > 0 ? fileBytes / 1e6 / seconds : null);
    }
}
