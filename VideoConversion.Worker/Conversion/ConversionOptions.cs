using System.ComponentModel.DataAnnotations;

namespace VideoConversion.Worker.Conversion;

/// <summary>How the worker converts, from the "Conversion" configuration section; validated at start-up.</summary>
public sealed class ConversionOptions
{
    public const string SectionName = "Conversion";

    [Required(ErrorMessage = "Conversion:FFmpegPath is required.")]
    public string FFmpegPath { get; set; } = "ffmpeg";

    [Required(ErrorMessage = "Conversion:FFprobePath is required.")]
    public string FFprobePath { get; set; } = "ffprobe";

    /// <summary>x264 speed/size trade-off.</summary>
    [RegularExpression("^(ultrafast|superfast|veryfast|faster|fast|medium|slow|slower|veryslow)$",
        ErrorMessage = "Conversion:Preset must be an x264 preset (ultrafast … veryslow).")]
    public string Preset { get; set; } = "medium";

    /// <summary>x264 constant rate factor; 23 is the seed's (and x264's) default quality.</summary>
    [Range(0, 51, ErrorMessage = "Conversion:Crf must be between 0 and 51.")]
    public int Crf { get; set; } = 23;

    [RegularExpression("^[1-9][0-9]{1,3}k$", ErrorMessage = "Conversion:AudioBitrate must look like '128k'.")]
    public string AudioBitrate { get; set; } = "128k";

    [Range(typeof(TimeSpan), "00:00:01", "00:10:00", ErrorMessage = "Conversion:ProbeTimeout must be between 1 second and 10 minutes.")]
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>A conversion running longer than this is killed and counted as failed.</summary>
    [Range(typeof(TimeSpan), "00:00:05", "1.00:00:00", ErrorMessage = "Conversion:MaxConversionTime must be between 5 seconds and 1 day.")]
    public TimeSpan MaxConversionTime { get; set; } = TimeSpan.FromHours(2);

    /// <summary>Limit for one download or upload of a video.</summary>
    [Range(typeof(TimeSpan), "00:00:05", "1.00:00:00", ErrorMessage = "Conversion:TransferTimeout must be between 5 seconds and 1 day.")]
    public TimeSpan TransferTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Where each job gets its private scratch directory.</summary>
    [Required(ErrorMessage = "Conversion:ScratchDirectory is required.")]
    public string ScratchDirectory { get; set; } = Path.Combine(Path.GetTempPath(), "videoconversion");
}
