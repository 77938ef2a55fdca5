using System.Globalization;
using Microsoft.Extensions.Options;
using VideoConversion.Contracts.Jobs;
using VideoConversion.Contracts.Outputs;
using VideoConversion.Processes;
using VideoConversion.Worker.Conversion.Commands;
using VideoConversion.Worker.Conversion.Planning;
using VideoConversion.Worker.Conversion.Probing;
using VideoConversion.Worker.Conversion.Runs;
using VideoConversion.Worker.Conversion.Verification;

namespace VideoConversion.Worker.Conversion.Outputs;

/// <summary>
/// Turns what the FFmpeg run wrote into finished outputs, each held to its contract before anything is stored: the
/// HLS renditions are checked and measured and the master playlist written from the measurements; the poster reads
/// back at its size; the storyboard's thumbnails are laid out in sheets, which read back at theirs, and its index
/// covers the whole video.
/// </summary>
public sealed class OutputsFinisher(MediaProbe probe, HlsVerifier hlsVerifier, IOptions<ConversionOptions> options)
{
    private readonly ConversionOptions _options = options.Value;

    /// <param name="mp4">The MP4 as its check read it back; null when none was made.</param>
    /// <exception cref="ConversionFailedException">An output breaks its contract or a limit.</exception>
    /// <exception cref="SystemFaultException">FFmpeg or ffprobe was killed, crashed or ran out of memory.</exception>
    public async Task<JobOutputs> FinishAsync(OutputFiles files, ConversionPlan plan, MediaInfo? mp4, CancellationToken cancellationToken)
    {
        var mp4Output = plan.Outputs.Mp4 ? new Mp4Output(new FileInfo(files.Mp4).Length, plan.DisplayWidth, plan.DisplayHeight) : null;
        HlsOutput? hls = null;
        if (plan.Outputs.Hls is not null)
        {
            hls = await hlsVerifier.CheckAsync(files, plan, cancellationToken);
            await File.WriteAllTextAsync(files.HlsMasterPlaylist, HlsMasterPlaylist.Write(hls), cancellationToken);
            hls = hls with { Bytes = hls.Bytes + new FileInfo(files.HlsMasterPlaylist).Length };
        }

        var poster = plan.Outputs.Poster is { } posterPlan ? await CheckPosterAsync(files, posterPlan, cancellationToken) : null;

        // How long the video plays, as the outputs show it: what the storyboard's index must cover.
        var duration = hls is not null ? TimeSpan.FromSeconds(MediaPlaylist.Parse(await File.ReadAllTextAsync(files.HlsPlaylist(hls.Renditions[0].Name), cancellationToken)).Duration)
            : mp4?.Duration ?? plan.Duration;
        var storyboard = plan.Outputs.Storyboard is { } storyboardPlan
            ? await MakeStoryboardAsync(files, storyboardPlan, duration, cancellationToken)
            : null;

        var outputs = new JobOutputs(mp4Output, hls, poster, storyboard);
        if (outputs.TotalBytes >= _options.MaxOutputBytes)
        {
            throw new ConversionFailedException(string.Create(CultureInfo.InvariantCulture,
                $"The converted outputs would be larger than the {_options.MaxOutputBytes / (1024 * 1024):N0} MiB limit."), cause: FailureCause.LimitExceeded);
        }

        return outputs;
    }

    private async Task<PosterOutput> CheckPosterAsync(OutputFiles files, PosterPlan plan, CancellationToken cancellationToken)
    {
        if (!File.Exists(files.Poster))
        {
            throw new ConversionFailedException(OutputVerifier.FailedCheckMessage, "no poster was written");
        }

        await CheckPictureAsync(files.Poster, "the poster", plan.Width, plan.Height, cancellationToken);
        return new PosterOutput(plan.Width, plan.Height, new FileInfo(files.Poster).Length);
    }

    private async Task<StoryboardOutput> MakeStoryboardAsync(OutputFiles files, StoryboardPlan plan, TimeSpan? duration, CancellationToken cancellationToken)
    {
        var tiles = Directory.Exists(files.ThumbnailsFolder) ? Directory.EnumerateFiles(files.ThumbnailsFolder, "*.jpg").Count() : 0;
        if (tiles == 0)
        {
            throw new ConversionFailedException(OutputVerifier.FailedCheckMessage, "no storyboard thumbnail was written");
        }

        await RunSheetsAsync(files, plan, cancellationToken);
        var sheets = (tiles + plan.TilesPerSheet - 1) / plan.TilesPerSheet;
        for (var sheet = 1; sheet <= sheets; sheet++)
        {
            await CheckPictureAsync(Path.Combine(files.StoryboardFolder, OutputFiles.StoryboardSheetName(sheet)), $"storyboard sheet {sheet}",
                plan.Columns * plan.TileWidth, plan.Rows * plan.TileHeight, cancellationToken);
        }

        var playing = duration ?? plan.Interval * tiles;
        var index = StoryboardIndex.Write(plan, tiles, playing);
        var cues = StoryboardIndex.Cues(index);
        // From 0 to the end without a gap, and no thumbnail standing for much more than its interval (the last one may run
        // a frame or two past it): too few pictures for the length would show one picture over a stretch it does not show.
        var longest = plan.Interval + TimeSpan.FromSeconds(1);
        if (cues.Count == 0 || cues[0].Start != TimeSpan.Zero || cues[^1].End < playing ||
            cues.Zip(cues.Skip(1)).Any(pair => pair.First.End != pair.Second.Start) ||
            cues.Any(cue => cue.End - cue.Start > longest))
        {
            throw new ConversionFailedException(OutputVerifier.FailedCheckMessage, string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"the storyboard's {cues.Count} cues do not cover the video's {playing.TotalSeconds:F1} s from start to end, one every {plan.Interval.TotalSeconds} s"));
        }

        await File.WriteAllTextAsync(files.StoryboardIndex, index, cancellationToken);
        Directory.Delete(files.ThumbnailsFolder, recursive: true);
        var bytes = Directory.EnumerateFiles(files.StoryboardFolder).Sum(file => new FileInfo(file).Length);
        return new StoryboardOutput(plan.TileWidth, plan.TileHeight, plan.Columns, plan.Rows, plan.Interval.TotalSeconds, cues.Count, sheets, bytes);
    }

    /// <summary>Lays the thumbnails out in sprite sheets: a second FFmpeg run, over pictures of 160 pixels, not the video.</summary>
    private async Task RunSheetsAsync(OutputFiles files, StoryboardPlan plan, CancellationToken cancellationToken)
    {
        ProcessResult result;
        try
        {
            result = await ProcessRunner.RunAsync(
                _options.FFmpegPath, DecodeGraph.StoryboardSheets(files, plan), files.StoryboardFolder, _options.ProbeTimeout, null, cancellationToken,
                memoryLimitBytes: _options.MemoryLimitBytes);
        }
        catch (TimeoutException exception)
        {
            throw new SystemFaultException(FailureCause.Stalled, $"Laying out the storyboard took longer than {_options.ProbeTimeout}.", inner: exception);
        }

        if (result.ExitCode != 0)
        {
            // The sheets are made of thumbnails this worker wrote, not of the upload: a failure here is ours, never the file's.
            throw ProcessFaults.Of(_options.FFmpegPath, result) ??
                new SystemFaultException(FailureCause.Unexpected, "The storyboard's sprite sheets could not be laid out.", diagnostics: result.StandardErrorTail);
        }
    }

    private async Task CheckPictureAsync(string path, string what, int width, int height, CancellationToken cancellationToken)
    {
        MediaInfo picture;
        try
        {
            picture = await probe.ProbePictureAsync(path, cancellationToken);
        }
        catch (ConversionFailedException failure)
        {
            throw new ConversionFailedException(OutputVerifier.FailedCheckMessage, $"{what} cannot be read back ({failure.Diagnostics ?? failure.Message})");
        }

        if (picture.VideoStreams.FirstOrDefault() is not { CodecName: "mjpeg", DecodedFrames: >= 1 } stream || (stream.Width, stream.Height) != (width, height))
        {
            var found = picture.VideoStreams.FirstOrDefault();
            throw new ConversionFailedException(OutputVerifier.FailedCheckMessage,
                $"{what} is {found?.CodecName} {found?.Width}×{found?.Height}, not a {width}×{height} JPEG");
        }
    }
}
