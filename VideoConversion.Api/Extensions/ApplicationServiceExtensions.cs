using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using VideoConversion.Api.Accounts;
using VideoConversion.Api.Api;
using VideoConversion.Api.Coordination;
using VideoConversion.Api.Data;
using VideoConversion.Api.Jobs;
using VideoConversion.Api.Messaging;
using VideoConversion.Api.Quotas;
using VideoConversion.Api.Retention;
using VideoConversion.Api.Storage;
using VideoConversion.Api.Telemetry;
using VideoConversion.Api.Uploads;
using VideoConversion.Api.Webhooks;
using VideoConversion.Contracts.Storage;
using VideoConversion.Infrastructure.Messaging;
using VideoConversion.Infrastructure.Storage;

namespace VideoConversion.Api.Extensions;

public static class ApplicationServiceExtensions
{
    public const string DatabaseConnectionName = "jobs";
    public const string MessagingConnectionName = "messaging";
    public const string StorageConnectionName = "storage";

    public static IHostApplicationBuilder AddApplicationServices(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddProblemDetails();
        services.AddExceptionHandler<KnownProblemExceptionHandler>();
        // Binding failures reach KnownProblemExceptionHandler in production too, so they get a named problem.
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        services.AddOpenApi(options => options.AddDocumentTransformer<BearerSecurityScheme>().AddDocumentTransformer<WebhookEventsDocument>().AddOperationTransformer<ProblemResponses>());
        services.AddApiJson();
        services.AddRequestBodyLimit();

        builder.AddJobDatabase();
        // The duties that must run on one API replica at a time (on SQLite, the one API process holds them all).
        services.AddReplicaLeases();
        services.AddHealthChecks().AddCheck<DatabaseHealthCheck>(DatabaseConnectionName);
        // Group commit: the API's hot writes share transactions (registered first: it stops last, after everything that writes).
        services.AddSingleton(services => new DatabaseWriterOptions(
            services.GetRequiredService<JobDatabase>(), services.GetService<WebhookEventRecorder>(), services.GetRequiredService<ILoggerFactory>()));
        services.AddSingleton<DatabaseMetrics>();
        services.AddSingleton<DatabaseWriter>();
        services.AddHostedService(services => services.GetRequiredService<DatabaseWriter>());

        builder.AddObjectStorage(StorageConnectionName, readinessBucket: StorageNames.InputBucket);
        services.AddOptions<UploadOptions>()
            .BindConfiguration(UploadOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<VideoStorage>();
        // Multipart uploads speak S3's REST protocol over a client of their own; part URLs are signed for where clients reach storage.
        // Not the standard 10 s per attempt: completing a large upload is storage assembling it (the S3 stand-in copies
        // every byte, S3 may take minutes), and no call of these is retried blindly (a completion is not idempotent).
#pragma warning disable EXTEXP0001 // Marked for evaluation, yet the package's documented way to drop the defaults' handler for one client.
        services.AddHttpClient(nameof(MultipartUploads), client => client.Timeout = MultipartUploads.LongestCall)
            .RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
        services.AddSingleton(provider => new MultipartUploads(
            provider.GetRequiredService<IHttpClientFactory>().CreateClient(nameof(MultipartUploads)),
            provider.GetRequiredService<StorageConnection>(),
            provider.GetRequiredService<IOptions<UploadOptions>>().Value.PublicEndpoint ?? provider.GetRequiredService<StorageConnection>().Endpoint,
            provider.GetRequiredService<TimeProvider>(),
            StorageNames.InputBucket));
        services.AddOptions<QuotaOptions>()
            .BindConfiguration(QuotaOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        builder.AddMessaging(MessagingConnectionName);
        services.AddSingleton<ConfirmingPublisher>();
        services.AddSingleton<OutboxSignal>();
        services.AddHostedService<OutboxDispatcher>();
        services.AddSingleton<JobMetrics>();
        services.AddHostedService<QueueDepthMonitor>();
        services.AddHostedService<WorkloadMonitor>();
        services.AddSingleton<JobReportWriter>();
        services.AddHostedService<JobReportsConsumer>();
        services.AddHostedService<DeadLetterConsumer>();
        services.AddSingleton<UploadAcceptance>();
        services.AddSingleton<UploadEventMetrics>();
        services.AddHostedService<UploadEventsConsumer>();
        services.AddOptions<JobOptions>()
            .BindConfiguration(JobOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddHostedService<StalledJobReconciler>();
        services.AddOptions<RetentionOptions>()
            .BindConfiguration(RetentionOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<RetentionMetrics>();
        services.AddHostedService<RetentionSweeper>();

        return builder;
    }
}
