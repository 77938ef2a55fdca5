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

    /// <summary>
    /// x264 speed/size trade-off. "ultrafast" is left out: it switches off CABAC, which makes the
    /// output Baseline profile, outside the Main/High contract.
    /// </summary>
    [RegularExpression("^(superfast|veryfast|faster|fast|medium|slow|slower|veryslow)$",
        ErrorMessage = "Conversion:Preset must be an x264 preset from superfast to veryslow.")]
    public string Preset { get; set; } = "medium";

    /// <summary>x264 constant rate factor; 23 is the seed's (and x264's) default quality.</summary>
    [Range(1, 51, ErrorMessage = "Conversion:Crf must be between 1 and 51 (0 is lossless, which the High profile browsers need cannot carry).")]
    public int Crf { get; set; } = 23;

    [RegularExpression("^[1-9][0-9]{1,3}k$", ErrorMessage = "Conversion:AudioBitrate must look like '128k'.")]
    public string AudioBitrate { get; set; } = "128k";

    [Range(typeof(TimeSpan), "00:00:01", "00:10:00", ErrorMessage = "Conversion:ProbeTimeout must be between 1 second and 10 minutes.")]
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>A conversion that reports no progress for this long is taken to hang: it is killed, and the attempt counts as failed.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00", ErrorMessage = "Conversion:StallTimeout must be between 1 second and 1 hour.")]
    public TimeSpan StallTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>A conversion running longer than this is killed, and the attempt counts as failed.</summary>
    [Range(typeof(TimeSpan), "00:00:05", "1.00:00:00", ErrorMessage = "Conversion:MaxConversionTime must be between 5 seconds and 1 day.")]
    public TimeSpan MaxConversionTime { get; set; } = TimeSpan.FromHours(2);

    /// <summary>
    /// When set, each FFmpeg and ffprobe run gets at most this much address space (RLIMIT_AS):
    /// one video cannot take the whole worker's memory, and a run that hits the cap is retried
    /// like one the kernel's OOM killer stopped. Unset: only the pod's or machine's memory limits.
    /// </summary>
    [Range(typeof(long), "104857600", "9223372036854775807", ErrorMessage = "Conversion:MemoryLimitBytes must be at least 100 MiB (FFmpeg's libraries alone map about that).")]
    public long? MemoryLimitBytes { get; set; }

    /// <summary>
    /// Copy streams that are already browser-safe instead of re-encoding them (a remux is many
    /// times faster and loses no quality). Off forces a full transcode of every input.
    /// </summary>
    public bool AllowStreamCopy { get; set; } = true;

    /// <summary>The longer side of an accepted video, in pixels, whichever way it is turned (8K by default).</summary>
    [Range(16, 32768, ErrorMessage = "Conversion:MaxLongSide must be between 16 and 32768.")]
    public int MaxLongSide { get; set; } = 7680;

    /// <summary>The shorter side of an accepted video, in pixels.</summary>
    [Range(16, 32768, ErrorMessage = "Conversion:MaxShortSide must be between 16 and 32768.")]
    public int MaxShortSide { get; set; } = 4320;

    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00", ErrorMessage = "Conversion:MaxDuration must be between 1 second and 1 day.")]
    public TimeSpan MaxDuration { get; set; } = TimeSpan.FromHours(4);

    /// <summary>Frames in the video stream (stated, or estimated from duration and frame rate): four hours at 60 fps.</summary>
    [Range(typeof(long), "1", "1000000000000", ErrorMessage = "Conversion:MaxFrameCount must be between 1 and 10^12.")]
    public long MaxFrameCount { get; set; } = 4 * 3600 * 60;

    /// <summary>
    /// The most pixels one transcode may decode and encode, width × height × frames, checked at
    /// probe time so that a file which would hold a worker for hours is refused in seconds. The
    /// default, 1.8 × 10^12, is about an hour of 4K at 60 fps or four hours of 1080p at 60 fps;
    /// raise it with the workers' speed (and Conversion:MaxConversionTime with it). Remuxes do not count.
    /// </summary>
    [Range(1e6, 1e16, ErrorMessage = "Conversion:MaxPixels must be between 10^6 and 10^16.")]
    public double MaxPixels { get; set; } = 1.8e12;

    /// <summary>
    /// The largest input a worker fetches from a job's URL. A job's message names the API's limit
    /// (Uploads:MaxFileBytes); this one applies when it names none and caps it when it names more.
    /// </summary>
    [Range(typeof(long), "1048576", "9223372036854775807", ErrorMessage = "Conversion:MaxInputBytes must be at least 1 MiB.")]
    public long MaxInputBytes { get; set; } = 50L * 1000 * 1000 * 1000;

    /// <summary>FFmpeg stops writing at this size (-fs), and the job fails instead of storing a cut-off video.</summary>
    [Range(typeof(long), "1048576", "9223372036854775807", ErrorMessage = "Conversion:MaxOutputBytes must be at least 1 MiB.")]
    public long MaxOutputBytes { get; set; } = 20L * 1024 * 1024 * 1024;

    /// <summary>
    /// On SIGTERM the worker takes no new job and gives the one in hand this long to finish; past
    /// it, the job goes back to the queue for another worker. Kubernetes' terminationGracePeriodSeconds
    /// must be longer.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00", ErrorMessage = "Conversion:DrainTimeout must be between 0 and 1 day.")]
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Whether the worker takes the next job while it converts one, when every worker is busy (a backlog), and downloads
    /// its input meanwhile: the next conversion starts on a local file. It holds at most two jobs unacknowledged, and on
    /// SIGTERM hands the waiting one straight back. Off, a worker holds one job at a time. Unset, it is on with RabbitMQ
    /// 4.3 or later only: earlier versions count every return towards a job's delivery limit, so a job waiting behind one
    /// that kills its worker would be dead-lettered with it.
    /// </summary>
    public bool? PrefetchNextJob { get; set; }

    /// <summary>
    /// The longest a prefetched job waits for the worker's conversion turn before it goes back to the queue: with the
    /// longest a job may then take, it stays within RabbitMQ's consumer_timeout, past which the broker would hand it out again.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00", ErrorMessage = "Conversion:MaxTurnWait must be between 1 second and 1 day.")]
    public TimeSpan MaxTurnWait { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Limit for one download or upload of a video.</summary>
    [Range(typeof(TimeSpan), "00:00:05", "1.00:00:00", ErrorMessage = "Conversion:TransferTimeout must be between 5 seconds and 1 day.")]
    public TimeSpan TransferTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Where each job gets its private scratch directory.</summary>
    [Required(ErrorMessage = "Conversion:ScratchDirectory is required.")]
    public string ScratchDirectory { get; set; } = Path.Combine(Path.GetTempPath(), "videoconversion");
}
