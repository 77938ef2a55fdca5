using VideoConversion.AppHost.Resources;

var builder = DistributedApplication.CreateBuilder(args);

var settings = AppHostSettings.From(builder);
if (!Prerequisites.AreMet(settings, Console.Error))
{
    return 1;
}

var messaging = builder.AddMessagingBroker("messaging", settings);
var storage = builder.AddObjectStorage("storage", settings);

var api = builder.AddProject<Projects.VideoConversion_Api>("api")
    .WithMessaging(messaging, ServiceIdentity.Api)
    .WithStorage(storage, ServiceIdentity.Api)
    .WithJobDatabase(settings)
    .WithFirstAdministrator(builder, settings)
    .WithSettingsFrom(builder.Configuration, "VideoConversion:Api", "Accounts", "Jobs", "Quotas", "RateLimits", "Retention", "Uploads")
    .WithPublicPort(settings.ApiPort)
    .WithExternalHttpEndpoints()
    .WithHttpHealthCheck("/health");

var worker = builder.AddProject<Projects.VideoConversion_Worker>("worker")
    .WithMessaging(messaging, ServiceIdentity.Worker)
    .WithStorage(storage, ServiceIdentity.Worker)
    .WithFFmpeg(settings)
    .WithHttpHealthCheck("/health");
if (settings.WorkerReplicas > 1)
{
    worker.WithReplicas(settings.WorkerReplicas);
}

var web = builder.AddProject<Projects.VideoConversion_Web>("web")
    .WithReference(api).WaitFor(api)
    .WithPublicPort(settings.WebPort)
    .WithExternalHttpEndpoints()
    .WithHttpHealthCheck("/health");
storage.AllowBrowsersFrom(web, settings);

await builder.Build().RunAsync();
return 0;
