using Microsoft.Extensions.Configuration;
using VideoConversion.Processes;

namespace VideoConversion.AppHost.Resources;

/// <summary>The AppHost's own settings, read from the "VideoConversion" configuration section.</summary>
public sealed class AppHostSettings
{
    public const string SectionName = "VideoConversion";

    /// <summary>The mode that was resolved for this run (never <see cref="InfrastructureMode.Auto"/>).</summary>
    public InfrastructureMode Mode { get; private init; }

    public bool IsPublishMode { get; private init; }

    /// <summary>Fixed host port of the API (the seed's clients use 8000). Tests get random ports.</summary>
    public int ApiPort { get; private init; } = 8000;

    public int WebPort { get; private init; } = 8080;

    /// <summary>Fixed host port of the API's management endpoint (/metrics, /health), for scripts; never public.</summary>
    public int ApiManagementPort { get; private init; } = 8001;

    /// <summary>How many worker processes to run locally (benchmarks run one per core). Kubernetes: KEDA decides.</summary>
    public int WorkerReplicas { get; private init; } = 1;

    /// <summary>Where host-run services keep their state: job database, broker data, stored objects.</summary>
    public string DataDirectory { get; private init; } = "";

    /// <summary>Root of the repository: the S3 stand-in, and the files the cluster shares (storage set-up, broker configuration).</summary>
    public string RepositoryRoot { get; private init; } = "";

    public string RabbitMQServerPath { get; private init; } = "/usr/lib/rabbitmq/bin/rabbitmq-server";

    /// <summary>
    /// MinIO server binary ("minio" on PATH unless set). Used on the host only together with its
    /// client (<see cref="MinioClientPath"/>), which creates the services' users; otherwise the S3 stand-in runs.
    /// </summary>
    public string? MinioPath { get; private init; }

    /// <summary>MinIO's client, mc ("mc" on PATH unless set).</summary>
    public string? MinioClientPath { get; private init; }

    public string NodePath { get; private init; } = "node";

    public string FFmpegPath { get; private init; } = "ffmpeg";

    public string FFprobePath { get; private init; } = "ffprobe";

    public static AppHostSettings From(IDistributedApplicationBuilder builder)
    {
        var section = builder.Configuration.GetSection(SectionName);
        var repositoryRoot = Path.GetFullPath(Path.Combine(builder.AppHostDirectory, ".."));
        var isPublish = builder.ExecutionContext.IsPublishMode;
        var requested = section.GetValue("Infrastructure", InfrastructureMode.Auto);
        var minioClient = MinioClient.Find(section["MinioClientPath"]);

        return new AppHostSettings
        {
            IsPublishMode = isPublish,
            Mode = ResolveMode(requested, isPublish, builder.Configuration["ASPIRE_CONTAINER_RUNTIME"]),
            ApiPort = section.GetValue("ApiPort", 8000),
            WebPort = section.GetValue("WebPort", 8080),
            ApiManagementPort = section.GetValue("ApiManagementPort", 8001),
            WorkerReplicas = Math.Max(1, section.GetValue("WorkerReplicas", 1)),
            RepositoryRoot = repositoryRoot,
            DataDirectory = Path.GetFullPath(section["DataDirectory"] ?? Path.Combine(repositoryRoot, ".data")),
            RabbitMQServerPath = section["RabbitMQServerPath"] ?? "/usr/lib/rabbitmq/bin/rabbitmq-server",
            MinioClientPath = minioClient,
            MinioPath = minioClient is null ? null : ExecutableLocator.Resolve(section["MinioPath"] ?? "minio"),
            NodePath = section["NodePath"] ?? "node",
            FFmpegPath = section["FFmpegPath"] ?? "ffmpeg",
            FFprobePath = section["FFprobePath"] ?? "ffprobe",
        };
    }

    private static InfrastructureMode ResolveMode(InfrastructureMode requested, bool isPublish, string? runtime)
    {
        // Deployment artifacts always describe containers; the host-process mode is a local convenience.
        if (isPublish)
        {
            return InfrastructureMode.Container;
        }

        if (requested != InfrastructureMode.Auto)
        {
            return requested;
        }

        return ContainerRuntimeProbe.IsAvailable(string.IsNullOrWhiteSpace(runtime) ? "docker" : runtime)
            ? InfrastructureMode.Container
            : InfrastructureMode.Executable;
    }
}
