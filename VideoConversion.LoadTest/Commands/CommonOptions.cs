using System.CommandLine;

namespace VideoConversion.LoadTest.Commands;

/// <summary>The options every command shares.</summary>
public sealed class CommonOptions
{
    public Option<Uri> ApiUrl { get; } = new("--api-url")
    {
        Description = "The API's address.",
        CustomParser = OptionParsers.AbsoluteUri,
        DefaultValueFactory = _ => new Uri("http://localhost:8000"),
    };

    public Option<Uri?> ApiManagementUrl { get; } = ApiManagementUrlOption();

    /// <summary>
    /// "--api-management-url": where the tool reads the broker's queue from the API's /metrics. No default:
    /// a guessed address could be another system's; without it the timeline has no queue readings.
    /// </summary>
    public static Option<Uri?> ApiManagementUrlOption() => new("--api-management-url")
    {
        Description = "The API's management port, whose /metrics the timeline reads the queue from " +
            "(scripts/start: http://localhost:8001; Kubernetes: kubectl port-forward deploy/api 8001:9090).",
        CustomParser = OptionParsers.AbsoluteUri,
    };

    public Option<string> ApiKey { get; } = new("--api-key")
    {
        Description = $"The API key to call with (scripts/manage keys create NAME --user USER). Default: ${Api.ApiEndpoint.KeyVariable}.",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable(Api.ApiEndpoint.KeyVariable) ?? "",
    };

    /// <summary>The API's address and key, as the command line gave them.</summary>
    public Api.ApiEndpoint Endpoint(ParseResult parse) =>
        new(parse.GetValue(ApiUrl)!, parse.GetValue(ApiKey) is { Length: > 0 } key ? key : null, parse.GetValue(ApiManagementUrl));

    public Option<FileInfo[]> VideoFiles { get; } = new("--video-file")
    {
        Description = "Video(s) to upload, used in turn. Without one, test videos are generated with FFmpeg.",
        AllowMultipleArgumentsPerToken = true,
    };

    public Option<string> InputKind { get; } = new("--input-kind")
    {
        Description = "Generated inputs: transcode (MPEG-4 AVI, re-encoded) or remux (H.264 MP4, rewrapped).",
        DefaultValueFactory = _ => "transcode",
    };

    public Option<int> InputSeconds { get; } = new("--input-seconds")
    {
        Description = "Length of generated inputs; 30 s of 720p is about 10 MB, like the seed's test video.",
        DefaultValueFactory = _ => 30,
    };

    public Option<DirectoryInfo> OutputDirectory { get; } = new("--output-dir")
    {
        Description = "Where the JSON, Markdown and SVG reports go.",
        DefaultValueFactory = _ => new DirectoryInfo(Path.Combine("artifacts", "loadtest")),
    };

    public Option<TimeSpan> JobTimeout { get; } = new("--job-timeout")
    {
        Description = "How long one job may take, upload to outcome, before it counts as lost (e.g. 10m).",
        CustomParser = OptionParsers.Duration,
        DefaultValueFactory = _ => TimeSpan.FromMinutes(10),
    };

    /// <summary>"--multipart": every upload in parts; without it, one PUT each, whatever the file's size (as the tool says it does).</summary>
    public Option<bool> Multipart { get; } = new("--multipart")
    {
        Description = "Upload each file in parts (upload_type \"multipart\"), as the upload page does from 64 MiB up; " +
            "without it, in one PUT (\"single\"), which takes files up to 5 GiB.",
    };

    public Option<int> PartsInFlight { get; } = new("--parts-in-flight")
    {
        Description = "With --multipart: parts of one upload sent at once.",
        DefaultValueFactory = _ => Api.MultipartUpload.DefaultPartsInFlight,
    };

    public void AddTo(Command command)
    {
        command.Options.Add(ApiUrl);
        command.Options.Add(ApiKey);
        command.Options.Add(ApiManagementUrl);
        command.Options.Add(VideoFiles);
        command.Options.Add(InputKind);
        command.Options.Add(InputSeconds);
        command.Options.Add(OutputDirectory);
        command.Options.Add(JobTimeout);
        command.Options.Add(Multipart);
        command.Options.Add(PartsInFlight);
    }
}
