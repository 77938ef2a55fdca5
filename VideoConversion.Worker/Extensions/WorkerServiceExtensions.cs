using Microsoft.Extensions.Options;
using VideoConversion.Contracts.Storage;
using VideoConversion.Infrastructure.Messaging;
using VideoConversion.Infrastructure.Outbound;
using VideoConversion.Infrastructure.Storage;
using VideoConversion.Worker.Conversion;
using VideoConversion.Worker.Conversion.Outputs;
using VideoConversion.Worker.Conversion.Probing;
using VideoConversion.Worker.Conversion.Verification;
using VideoConversion.Worker.Jobs;
using VideoConversion.Worker.Messaging;
using VideoConversion.Worker.Telemetry;

namespace VideoConversion.Worker.Extensions;

public static class WorkerServiceExtensions
{
    /// <summary>How much longer than the drain the host may take to stop (reports, disposal).</summary>
    public static readonly TimeSpan ShutdownMargin = TimeSpan.FromSeconds(30);

    public static IHostApplicationBuilder AddWorkerServices(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSingleton(TimeProvider.System);

        services.AddOptions<ConversionOptions>()
            .BindConfiguration(ConversionOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<ConversionOptions>, ConversionOptionsValidator>();
        // The host must outwait the drain, or it would cut the conversion short itself.
        services.AddOptions<HostOptions>().Configure<IOptions<ConversionOptions>>((host, conversion) =>
            host.ShutdownTimeout = conversion.Value.DrainTimeout + ShutdownMargin);
        services.AddHealthChecks().AddCheck<FFmpegHealthCheck>("ffmpeg");

        builder.AddObjectStorage("storage", readinessBucket: StorageNames.OutputBucket);
        builder.AddMessaging("messaging");

        services.AddSingleton<MediaProbe>();
        services.AddSingleton<OutputVerifier>();
        services.AddSingleton<HlsVerifier>();
        services.AddSingleton<OutputsFinisher>();
        services.AddSingleton<VideoConverter>();
        services.AddSingleton<ConfirmingPublisher>();
        services.AddSingleton<JobReportPublisher>();
        services.AddSingleton<ConditionalObjects>();
        services.AddSingleton<AttemptLedger>();
        services.AddSingleton<InputDownloader>();
        services.AddOutboundTargets();
        services.AddSingleton<InputFetcher>();
        services.AddSingleton<ConversionMetrics>();
        services.AddSingleton(CreateOutputUploads);
        services.AddSingleton<FileUploads>();
        services.AddSingleton<OutputUploader>();
        services.AddSingleton<JobProcessor>();
        services.AddSingleton<CanceledJobs>();
        services.AddHostedService<ScratchJanitor>();
        services.AddHostedService<JobCancellationListener>();
        services.AddSingleton(new IdleMemory());
        services.AddSingleton(VideoJobConsumers.CreateSlots);
        services.AddHostedService<VideoJobConsumers>();

        return builder;
    }

    /// <summary>
    /// Outputs are stored over a client of their own: no client-wide timeout (each upload is bounded by the job's transfer
    /// timeout; a connection is given 15 s) and no resilience handler (its 10 s per attempt would cut a large part off;
    /// <see cref="FileUploads"/> sends a failed request again itself). Its requests are counted with the storage client's.
    /// </summary>
    private static MultipartUploads CreateOutputUploads(IServiceProvider services)
    {
        var connection = services.GetRequiredService<StorageConnection>();
        var http = new HttpClient(new StorageRequestMetrics.CountingHandler(services.GetRequiredService<StorageRequestMetrics>(),
            new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(15), PooledConnectionLifetime = TimeSpan.FromMinutes(5) }))
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        return new MultipartUploads(http, connection, connection.Endpoint, services.GetRequiredService<TimeProvider>(), StorageNames.OutputBucket);
    }
}
