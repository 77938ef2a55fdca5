using VideoConversion.Contracts.Storage;
using VideoConversion.Worker.Conversion.Planning;

namespace VideoConversion.Worker.Conversion.Outputs;

/// <summary>
/// Where one conversion writes, in the job's scratch directory: the MP4 beside the input, and everything else in a
/// folder laid out as storage keeps it under the job's prefix (<see cref="StorageNames.OutputFilesPrefix"/>).
/// </summary>
public sealed record OutputFiles(string Mp4, string Folder)
{
    /// <summary>The layout for an MP4 at <paramref name="mp4Path"/>: the other outputs go in "outputs" beside it.</summary>
    public static OutputFiles Beside(string mp4Path) => new(mp4Path, Path.Combine(Path.GetDirectoryName(mp4Path)!, "outputs"));

    public string HlsFolder => Path.Combine(Folder, StorageNames.HlsFolder);

    /// <summary>A rendition's media playlist; its init segment and segments are named after it beside it.</summary>
    public string HlsPlaylist(string rendition) => Path.Combine(HlsFolder, $"{rendition}.m3u8");

    public string HlsMasterPlaylist => Path.Combine(HlsFolder, StorageNames.HlsMasterPlaylist);

    public string Poster => Path.Combine(Folder, StorageNames.PosterFile);

    public string StoryboardFolder => Path.Combine(Folder, StorageNames.StoryboardFolder);

    public string StoryboardIndex => Path.Combine(StoryboardFolder, StorageNames.StoryboardIndex);

    /// <summary>The sprite sheets' file pattern for FFmpeg: sheet001.jpg, sheet002.jpg…</summary>
    public string StoryboardSheetPattern => Path.Combine(StoryboardFolder, "sheet%03d.jpg");

    public static string StoryboardSheetName(int sheet) => $"sheet{sheet:000}.jpg";

    /// <summary>The storyboard's single thumbnails, before they are laid out in sheets; never stored.</summary>
    public string ThumbnailsFolder => Path.Combine(Path.GetDirectoryName(Mp4)!, "thumbnails");

    public string ThumbnailPattern => Path.Combine(ThumbnailsFolder, "%05d.jpg");

    /// <summary>The folders FFmpeg writes into; it creates none itself.</summary>
    public void CreateFolders(OutputsPlan plan)
    {
        if (plan.Hls is not null)
        {
            Directory.CreateDirectory(HlsFolder);
        }

        if (plan.Poster is not null)
        {
            Directory.CreateDirectory(Folder);
        }

        if (plan.Storyboard is not null)
        {
            Directory.CreateDirectory(StoryboardFolder);
            Directory.CreateDirectory(ThumbnailsFolder);
        }
    }

    /// <summary>What an earlier run left (a stream copy that failed and is redone as a transcode).</summary>
    public void Clear()
    {
        foreach (var folder in new[] { Folder, ThumbnailsFolder })
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }
}
