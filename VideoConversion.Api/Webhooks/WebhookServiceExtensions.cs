using VideoConversion.Infrastructure.Outbound;

namespace VideoConversion.Api.Webhooks;

public static class WebhookServiceExtensions
{
    /// <summary>Endpoints, events recorded with every job change, and the dispatcher that sends them.</summary>
    public static IHostApplicationBuilder AddWebhooks(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<WebhookOptions>()
            .BindConfiguration(WebhookOptions.SectionName)
            .ValidateDataAnnotations()
            .Validate(options => WebhookRetrySchedule.TryParse(options.RetrySchedule, out _),
                "Webhooks:RetrySchedule must list at least one wait, each as hh:mm:ss, none negative or over 7 days (e.g. 00:00:05,00:05:00).")
            .ValidateOnStart();
        services.AddOutboundTargets();
        services.AddSingleton<WebhookSecrets>();
        services.AddSingleton<WebhookSignal>();
        services.AddSingleton<WebhookEventRecorder>();
        services.AddSingleton<WebhookSender>();
        services.AddSingleton<WebhookMetrics>();
        services.AddSingleton<JobWebhooks>();
        services.AddHostedService<WebhookDispatcher>();
        return builder;
    }
}
