using VideoConversion.AppHost.Resources;

TelemetryDestination telemetry;
try
{
    telemetry = TelemetryDestination.From(args);
}
catch (InvalidOperationException problem)
{
    Console.Error.WriteLine($"VideoConversion cannot start: {problem.Message}");
    return 1;
}

var builder = DistributedApplication.CreateBuilder(new DistributedApplicationOptions { Args = args, DisableDashboard = !telemetry.Dashboard });
try
{
    AspirePortRange.KeepBelowFreeTcpPorts(builder.Configuration);
    telemetry.EnsureAgreesWith(builder.Configuration);
}
catch (InvalidOperationException problem)
{
    Console.Error.WriteLine($"VideoConversion cannot start: {problem.Message}");
    return 1;
}

AppHostSettings settings;
try
{
    settings = AppHostSettings.From(builder);
}
catch (InvalidOperationException problem)
{
    // Settings that contradict each other (SQLite with several API replicas, say), or a value that is none of a setting's.
    Console.Error.WriteLine($"VideoConversion cannot start: {problem.Message}");
    return 1;
}

if (!Prerequisites.AreMet(settings, Console.Error))
{
    return 1;
}

var messaging = builder.AddMessagingBroker("messaging", settings);
var storage = builder.AddObjectStorage("storage", settings);
storage.AnnounceUploadsTo(messaging);
var jobDatabase = builder.AddJobDatabase(settings);

var api = builder.AddProject<Projects.VideoConversion_Api>("api")
    .WithMessaging(messaging, ServiceIdentity.Api)
    .WithStorage(storage, ServiceIdentity.Api)
    .WithJobDatabase(settings, jobDatabase)
    .WithFirstAdministrator(builder, settings)
    .WithSettingsFrom(builder.Configuration, "VideoConversion:Api", "Accounts", "Jobs", "Outbound", "Quotas", "RateLimits", "Retention", "Uploads", "Webhooks")
    .WithPublicApiPort(settings, builder.Configuration)
    .WithExternalHttpEndpoints()
    .WithManagementEndpoint(settings, settings.ApiManagementPort)
    // A 4 MiB gen-0 budget, as its image sets it (VideoConversion.Api.csproj says why).
    .WithEnvironment("DOTNET_GCgen0size", "0x400000")
    .WithTelemetryTo(telemetry);
if (settings.ApiReplicas > 1)
{
    // Both its endpoints are proxied (a fixed public port, but no fixed target port): the proxy spreads connections over
    // the replicas, the management endpoint's too, so /metrics and /health answer for one replica or another.
    api.WithReplicas(settings.ApiReplicas);
}

var worker = builder.AddProject<Projects.VideoConversion_Worker>("worker")
    .WithMessaging(messaging, ServiceIdentity.Worker)
    .WithStorage(storage, ServiceIdentity.Worker)
    .WithFFmpeg(settings)
    .WithSettingsFrom(builder.Configuration, "VideoConversion:Worker", "Outbound")
    .WithManagementEndpoint(settings)
    .WithTelemetryTo(telemetry);
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
    .WithManagementEndpoint(settings)
    .WithTelemetryTo(telemetry);
storage.AllowBrowsersFrom(web, settings);

await builder.Build().RunAsync();
return 0;
