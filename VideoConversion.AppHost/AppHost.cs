using VideoConversion.AppHost.Resources;

var builder = DistributedApplication.CreateBuilder(args);

var settings = AppHostSettings.From(builder);
if (!Prerequisites.AreMet(settings, Console.Error))
{
    return 1;
}

var messaging = builder.AddMessagingBroker("messaging", settings);
var storage = builder.AddObjectStorage("storage", settings);
storage.AnnounceUploadsTo(messaging);

var api = builder.AddProject<Projects.VideoConversion_Api>("api")
    .WithMessaging(messaging, ServiceIdentity.Api)
    .WithStorage(storage, ServiceIdentity.Api)
    .WithJobDatabase(settings)
    .WithFirstAdministrator(builder, settings)
    .WithSettingsFrom(builder.Configuration, "VideoConversion:Api", "Accounts", "Jobs", "Outbound", "Quotas", "RateLimits", "Retention", "Uploads", "Webhooks")
    .WithPublicPort(settings.ApiPort)
    .WithExternalHttpEndpoints()
    .WithManagementEndpoint(settings, settings.ApiManagementPort);

var worker = builder.AddProject<Projects.VideoConversion_Worker>("worker")
    .WithMessaging(messaging, ServiceIdentity.Worker)
    .WithStorage(storage, ServiceIdentity.Worker)
    .WithFFmpeg(settings)
    .WithSettingsFrom(builder.Configuration, "VideoConversion:Worker", "Outbound")
    .WithManagementEndpoint(settings);
if (settings.WorkerReplicas > 1)
{
    worker.WithReplicas(settings.WorkerReplicas);
}

var web = builder.AddProject<Projects.VideoConversion_Web>("web")
    // The API's public endpoint only: the page has no business on its management port.
    .WithReference(api.GetEndpoint("http")).WaitFor(api)
    .WithSettingsFrom(builder.Configuration, "VideoConversion:Web", "RateLimits", "Uploads")
    .WithPublicPort(settings.WebPort)
    .WithExternalHttpEndpoints()
    .WithManagementEndpoint(settings);
storage.AllowBrowsersFrom(web, settings);

await builder.Build().RunAsync();
return 0;
