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

    /// <summary>Where the API keeps its jobs (VideoConversion:Database); SQLite unless set.</summary>
    public DatabaseMode Database { get; private init; } = DatabaseMode.Sqlite;

    /// <summary>
    /// How many API processes run behind the API's one address (VideoConversion:ApiReplicas): the AppHost's proxy spreads
    /// connections over them. More than one needs a database server (<see cref="Database"/> not SQLite).
    /// </summary>
    public int ApiReplicas { get; private init; } = 1;

    /// <summary>The host's initdb, postgres and pg_ctl, for <see cref="DatabaseMode.PostgreSQL"/> without containers.</summary>
    public string PostgreSQLBinDirectory { get; private init; } = "";

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

        var settings = new AppHostSettings
        {
            IsPublishMode = isPublish,
            Mode = ResolveMode(requested, isPublish, builder.Configuration["ASPIRE_CONTAINER_RUNTIME"]),
            ApiPort = section.GetValue("ApiPort", 8000),
            WebPort = section.GetValue("WebPort", 8080),
            ApiManagementPort = section.GetValue("ApiManagementPort", 8001),
            WorkerReplicas = Math.Max(1, section.GetValue("WorkerReplicas", 1)),
            Database = OneOf(section, "Database", DatabaseMode.Sqlite),
            ApiReplicas = Math.Max(1, section.GetValue("ApiReplicas", 1)),
            PostgreSQLBinDirectory = section["PostgreSQLBinDirectory"] ?? PostgreSQLPrograms.DefaultBinDirectory(),
            RepositoryRoot = repositoryRoot,
            DataDirectory = Path.GetFullPath(section["DataDirectory"] ?? Path.Combine(repositoryRoot, ".data")),
            RabbitMQServerPath = section["RabbitMQServerPath"] ?? "/usr/lib/rabbitmq/bin/rabbitmq-server",
            MinioClientPath = minioClient,
            MinioPath = minioClient is null ? null : ExecutableLocator.Resolve(section["MinioPath"] ?? "minio"),
            NodePath = section["NodePath"] ?? "node",
            FFmpegPath = section["FFmpegPath"] ?? "ffmpeg",
            FFprobePath = section["FFprobePath"] ?? "ffprobe",
        };
        settings.EnsureCoherent(builder.Configuration);
        return settings;
    }

    /// <summary>Settings that cannot work together are refused before anything starts, each with what to change.</summary>
    /// <exception cref="InvalidOperationException">They cannot.</exception>
    private void EnsureCoherent(IConfiguration configuration)
    {
        // Two API processes would each write the one SQLite file (and each keep its own sign-in keys): refused rather
        // than left to fail under load.
        if (Database == DatabaseMode.Sqlite && ApiReplicas > 1)
        {
            throw new InvalidOperationException(
                $"{SectionName}:ApiReplicas is {ApiReplicas}, but SQLite allows one API process: " +
                $"set {SectionName}:Database=PostgreSQL (or External, with ConnectionStrings:{JobDatabaseResources.ConnectionName}) to run several.");
        }

        // Aspire would otherwise ask for the missing value on the dashboard, and the API would wait for it; without a
        // dashboard, for ever. A deployment manifest names it as an input instead, so publishing needs none.
        if (Database == DatabaseMode.External && !IsPublishMode &&
            string.IsNullOrWhiteSpace(configuration.GetConnectionString(JobDatabaseResources.ConnectionName)))
        {
            throw new InvalidOperationException(
                $"{SectionName}:Database is External, but ConnectionStrings:{JobDatabaseResources.ConnectionName} is not set: " +
                $"give the PostgreSQL server's connection string (ConnectionStrings__{JobDatabaseResources.ConnectionName} in the environment, " +
                $"or --ConnectionStrings:{JobDatabaseResources.ConnectionName}=...).");
        }
    }

    /// <exception cref="InvalidOperationException">The value is none of <typeparamref name="T"/>'s, which the message lists.</exception>
    private static T OneOf<T>(IConfigurationSection section, string key, T defaultValue)
        where T : struct, Enum
    {
        var value = section[key];
        if (string.IsNullOrWhiteSpace(value))
        {
            return defaultValue;
        }

        return Enum.TryParse<T>(value.Trim(), ignoreCase: true, out var parsed) && Enum.IsDefined(parsed)
            ? parsed
            : throw new InvalidOperationException($"{section.Path}:{key} is '{value}'; it is one of: {string.Join(", ", Enum.GetNames<T>())}.");
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
