using System.Globalization;
using VideoConversion.LoadTest.Api;
using VideoConversion.LoadTest.Reports;
using static VideoConversion.LoadTest.Reports.MarkdownText;

namespace VideoConversion.LoadTest.Benchmark;

/// <summary>
/// docs/BENCHMARKS.md's uploads: in parts against one PUT, which is their floor (the same bytes in one request), and what
/// cutting the connection twice cost in bytes sent. With the runs and their spread, for a shared machine's noise.
/// </summary>
internal static class UploadReport
{
    /// <summary>The upload in parts may lose at most this share against one PUT.</summary>
    private const double LeastShareOfOnePut = 0.9;

    /// <summary>Bytes sent with the connection cut twice, at most, against the file's.</summary>
    private const double MostSentRatio = 1.1;

    private const string CutRow = "Upload, in parts, connection cut twice";

    public static void Write(MarkdownText report, UploadBenchmark.Measurement uploads)
    {
        report.Heading("Uploads over loopback");
        report.Paragraph(
            "Files of random bytes (storage does not look inside) uploaded by the load tool as any client does, to storage on this machine:",
            "in one PUT (`upload_type: \"single\"`, the floor: the same bytes in one request) and in parts (`\"multipart\"`,",
            $"{UploadBenchmark.PartsInFlight} at once, each streamed from disk, URLs asked for {PartUrlCache.BatchSize} at a time just before use),",
            "alternated, the order swapped each round. An upload in parts is timed from its first URL request to completion's answer,",
            "in which storage assembles the file. The jobs wait for `POST /jobs` (`start: \"submit\"`), so no worker takes the cores,",
            "and each is deleted after its upload. 1 MB = 10⁶ bytes.");
        report.TableRow("", "File", "Rate (median)", "Runs", "Against the floor", "Target", "");
        report.TableRow("---", "---", "---", "---", "---", "---", "---");
        WriteRates(report, uploads.Throughput);
        WriteCut(report, uploads.Resilience);
        report.Line();
        if (uploads.Throughput is { } throughput)
        {
            WriteNoise(report, throughput);
        }

        if (uploads.Resilience is { } cut)
        {
            report.Paragraph(
                "With the connection cut: the load tool's connections to storage (made by its HTTP handler's connect callback) count every byte",
                "written to them, and the one whose write takes the total past a third, then two thirds, of the file is reset in the middle of",
                "its request. Only that part fails; the parts on the other connections go on, and the failed one is sent again after 0.5 s",
                $"(doubling, at most {MultipartUpload.MaxAttempts} attempts). Sent: {cut.SocketBytes} bytes on the wire (request lines and headers",
                $"included; {cut.ContentBytes} of them part bytes) for a file of {cut.FileBytes}: a cut costs what its part had sent, at most one part.",
                cut.Error is null
                    ? $"Completion answered {cut.CompleteStatus}; the job, submitted, took {cut.InputBytes?.ToString(CultureInfo.InvariantCulture) ?? "no"} bytes as its input."
                    : $"The upload failed: {cut.Error}");
        }
    }

    private static void WriteRates(MarkdownText report, UploadBenchmark.Throughput? throughput)
    {
        if (throughput is null)
        {
            report.TableRow("Upload, single PUT", "skipped (`--upload-mb 0`)", "", "", "", "", "");
            report.TableRow("Upload, in parts", "skipped (`--upload-mb 0`)", "", "", "", "", "");
            return;
        }

        var single = Percentiles.Median(throughput.SingleMegabytesPerSecond);
        var multipart = Percentiles.Median(throughput.MultipartMegabytesPerSecond);
        var share = multipart / single;
        report.TableRow(
            "Upload, single PUT", Size(throughput.FileBytes), $"{Number(single, "F1")} MB/s", Runs(throughput.SingleMegabytesPerSecond),
            "the floor", "", "");
        report.TableRow(
            "Upload, in parts", $"{Size(throughput.FileBytes)}: {throughput.PartCount} parts of {Size(throughput.PartSize)}",
            $"{Number(multipart, "F1")} MB/s", Runs(throughput.MultipartMegabytesPerSecond),
            $"{Percent(share)} of one PUT", "≥ 90 % of single PUT", Met(share >= LeastShareOfOnePut));
    }

    private static void WriteCut(MarkdownText report, UploadBenchmark.Resilience? cut)
    {
        if (cut is null)
        {
            report.TableRow(CutRow, "skipped (`--cut-upload-mb 0`)", "", "", "", "", "");
            return;
        }

        report.TableRow(
            CutRow, $"{Size(cut.FileBytes)}: {cut.PartCount} parts of {Size(cut.PartSize)}",
            $"{Number(cut.FileBytes / 1e6 / cut.Seconds, "F1")} MB/s", $"{cut.Cuts} cuts, {cut.Retries} parts sent again",
            $"sent {Number(cut.SentRatio, "F3")}× the file", "sent ≤ 1.1× the file", Met(cut.Error is null && cut.SentRatio <= MostSentRatio));
        report.TableRow(
            "Upload cut twice: accepted", "", "", "",
            cut.Error is { } error
                ? $"failed: {error.Replace("|", "\\|", StringComparison.Ordinal)}"
                : $"completion {cut.CompleteStatus}; input {(cut.InputBytes is { } input ? Size(input) : "none")}",
            "completed (202), the job's input the whole file", Met(cut.Accepted));
    }

    /// <summary>Each round side by side, the spread of each side, and whether the difference stands out of it.</summary>
    private static void WriteNoise(MarkdownText report, UploadBenchmark.Throughput throughput)
    {
        var single = throughput.SingleMegabytesPerSecond;
        var multipart = throughput.MultipartMegabytesPerSecond;
        var rounds = single.Zip(multipart, (one, parts) => $"{Number(one, "F1")} and {Number(parts, "F1")} ({Number(parts / one)}×)");
        var (singleSpread, multipartSpread) = (Spread(single), Spread(multipart));
        var shortfall = Math.Abs(1 - Percentiles.Median(multipart) / Percentiles.Median(single));
        report.Paragraph(
            $"Rounds (MB/s, one PUT and in parts): {string.Join("; ", rounds)}.",
            $"Spread (largest less smallest, against the median): one PUT {Percent(singleSpread)}, in parts {Percent(multipartSpread)}.",
            $"The parts alone, without completion: median {Number(Percentiles.Median(throughput.PartsMegabytesPerSecond), "F1")} MB/s.",
            shortfall < Math.Max(singleSpread, multipartSpread)
                ? "The difference to one PUT is smaller than the runs' spread: the machine's noise, not the way of uploading, decides it."
                : "The difference to one PUT is larger than the runs' spread.",
            "Over loopback the network is not the limit: the client and storage share the machine's cores and disk, whichever way the",
            "bytes go. Over a real network one PUT is held to one connection's rate, and a lost part costs only itself.");
    }

    private static double Spread(IReadOnlyList<double> runs) => (runs.Max() - runs.Min()) / Percentiles.Median(runs);


    private static string Runs(IEnumerable<double> runs) => string.Join(" ", runs.Select(run => Number(run, "F1")));

    private static string Size(long bytes) => $"{Number(bytes / 1048576.0, "F0")} MiB";
}
