using System.Diagnostics;
using VideoConversion.LoadTest.Api;
using VideoConversion.LoadTest.Inputs;

namespace VideoConversion.LoadTest.Benchmark;

/// <summary>
/// Uploads over loopback, as the load tool's clients make them: a large file in one PUT (the floor: the same bytes in one
/// request) against the same file in parts, alternated; and a file in parts whose connections are cut twice on the way,
/// for what the retries cost in bytes sent. The files are random bytes: storage does not look inside. The jobs wait for
/// POST /jobs (start "submit"), so no worker takes the cores meanwhile, and are deleted after, so storage keeps nothing.
/// </summary>
/// <param name="client">The API and storage as the benchmark's other clients reach them.</param>
/// <param name="inputs">Where the random files are made (and kept for the next run).</param>
public sealed class UploadBenchmark(VideoConversionClient client, string inputs)
{
    /// <summary>Parts sent at once: the upload page's, and the load tool's default.</summary>
    public const int PartsInFlight = MultipartUpload.DefaultPartsInFlight;

    /// <summary>Where the connections are cut: a third and two thirds of the file's bytes written.</summary>
    public static readonly IReadOnlyList<double> CutAt = [1 / 3.0, 2 / 3.0];

    private const string FileName = "upload-benchmark.mp4";
    private const string ContentType = "video/mp4";

    /// <param name="SingleMegabytesPerSecond">Each round's one PUT: the file's MB (10⁶ bytes) over the PUT's time.</param>
    /// <param name="MultipartMegabytesPerSecond">Each round's upload in parts, from the first URL request to completion's answer.</param>
    /// <param name="PartsMegabytesPerSecond">The same uploads' parts alone, without completion (storage assembling the file).</param>
    public sealed record Throughput(
        long FileBytes, long PartSize, int PartCount,
        IReadOnlyList<double> SingleMegabytesPerSecond, IReadOnlyList<double> MultipartMegabytesPerSecond, IReadOnlyList<double> PartsMegabytesPerSecond);

    /// <param name="SocketBytes">Bytes written to storage's connections, request lines and headers included: what was sent.</param>
    /// <param name="ContentBytes">Part bytes handed to those connections, the attempts cut off included.</param>
    /// <param name="Cuts">Connections cut.</param>
    /// <param name="Retries">Part PUTs sent again.</param>
    /// <param name="CompleteStatus">What POST /uploads/{id}/complete answered; 0: the upload never got that far.</param>
    /// <param name="InputBytes">The job's input once submitted: the size of the file storage assembled.</param>
    /// <param name="Error">Why the upload failed, if it did.</param>
    public sealed record Resilience(
        long FileBytes, long PartSize, int PartCount, int Cuts, long SocketBytes, long ContentBytes, int Retries,
        int CompleteStatus, long? InputBytes, double Seconds, string? Error = null)
    {
        public double SentRatio => (double)SocketBytes / FileBytes;

        /// <summary>Completed (202), and the job took the whole file as its input.</summary>
        public bool Accepted => CompleteStatus == 202 && InputBytes == FileBytes;
    }

    /// <summary>Either part is null when skipped.</summary>
    public sealed record Measurement(Throughput? Throughput, Resilience? Resilience);

    /// <param name="rounds">Each round uploads the file once in one PUT and once in parts.</param>
    public async Task<Throughput> ThroughputAsync(int mebibytes, int rounds, CancellationToken cancellationToken)
    {
        var file = await RandomFile.CreateAsync(inputs, mebibytes, cancellationToken);
        var size = new FileInfo(file).Length;
        List<double> single = [], multipart = [], parts = [];
        var (partSize, partCount) = (0L, 0);

        async Task OnePutAsync() => single.Add(await OnePutRateAsync(file, size, cancellationToken));
        async Task InPartsAsync()
        {
            var (whole, partsOnly, ticket) = await InPartsRateAsync(file, size, cancellationToken);
            multipart.Add(whole);
            parts.Add(partsOnly);
            (partSize, partCount) = (ticket.PartSize ?? 0, ticket.PartCount ?? 0);
        }

        for (var round = 1; round <= Math.Max(1, rounds); round++)
        {
            // The order swaps each round, so a slow moment of the machine, or the file warm in the page cache, falls on both.
            if (round % 2 == 1)
            {
                await OnePutAsync();
                await InPartsAsync();
            }
            else
            {
                await InPartsAsync();
                await OnePutAsync();
            }
        }

        return new Throughput(size, partSize, partCount, single, multipart, parts);
    }

    /// <summary>The file in parts, <see cref="PartsInFlight"/> at once, its storage connections cut at <see cref="CutAt"/> of its bytes.</summary>
    public async Task<Resilience> ResilienceAsync(int mebibytes, CancellationToken cancellationToken)
    {
        var file = await RandomFile.CreateAsync(inputs, mebibytes, cancellationToken);
        var size = new FileInfo(file).Length;
        var cutter = new ConnectionCutter([.. CutAt.Select(share => (long)(size * share))]);
        using var storage = new HttpClient(cutter.CreateHandler()) { Timeout = TimeSpan.FromMinutes(10) };
        var cutting = client.WithStorage(storage);
        var ticket = await cutting.RequestUploadTicketAsync(FileName, ContentType, size, UploadTicket.Multipart, cancellationToken, start: "submit");
        var content = new ByteCounter();
        var started = Stopwatch.GetTimestamp();
        try
        {
            var outcome = await cutting.UploadInPartsAsync(ticket, file, PartsInFlight, content, cancellationToken);
            var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            // Submitted, the job takes the size storage holds as its input: the whole file, assembled from the parts.
            await client.SubmitJobAsync(ticket.JobId, cancellationToken);
            var job = await client.GetJobAsync(ticket.JobId, cancellationToken);
            return new Resilience(size, ticket.PartSize ?? 0, ticket.PartCount ?? 0, cutter.Cuts, cutter.WrittenBytes, content.Bytes,
                outcome.Retries, outcome.CompleteStatus, job.InputBytes, seconds);
        }
        catch (LoadTestException failed)
        {
            // Reported as the target not met, with why, rather than ending the benchmark.
            return new Resilience(size, ticket.PartSize ?? 0, ticket.PartCount ?? 0, cutter.Cuts, cutter.WrittenBytes, content.Bytes,
                0, 0, null, Stopwatch.GetElapsedTime(started).TotalSeconds, failed.Message);
        }
        finally
        {
            await client.DeleteJobAsync(ticket.JobId, CancellationToken.None);
        }
    }

    /// <returns>MB/s of one PUT of the file.</returns>
    private async Task<double> OnePutRateAsync(string file, long size, CancellationToken cancellationToken)
    {
        var ticket = await client.RequestUploadTicketAsync(FileName, ContentType, size, UploadTicket.OnePut, cancellationToken, start: "submit");
        try
        {
            return MegabytesPerSecond(size, await client.UploadAsync(ticket.SingleUrl(), file, ContentType, cancellationToken));
        }
        finally
        {
            await client.DeleteJobAsync(ticket.JobId, CancellationToken.None);
        }
    }

    /// <returns>MB/s of the upload in parts, whole and of its parts alone, and how the API cut it.</returns>
    private async Task<(double Whole, double PartsOnly, UploadTicket Ticket)> InPartsRateAsync(string file, long size, CancellationToken cancellationToken)
    {
        var ticket = await client.RequestUploadTicketAsync(FileName, ContentType, size, UploadTicket.Multipart, cancellationToken, start: "submit");
        try
        {
            var started = Stopwatch.GetTimestamp();
            var outcome = await client.UploadInPartsAsync(ticket, file, PartsInFlight, new ByteCounter(), cancellationToken);
            return (MegabytesPerSecond(size, Stopwatch.GetElapsedTime(started)), MegabytesPerSecond(size, outcome.SendingParts), ticket);
        }
        finally
        {
            await client.DeleteJobAsync(ticket.JobId, CancellationToken.None);
        }
    }

    private static double MegabytesPerSecond(long bytes, TimeSpan time) => bytes / 1e6 / time.TotalSeconds;
}
