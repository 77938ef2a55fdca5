using VideoConversion.Api.Accounts;
using VideoConversion.Api.Api;
using VideoConversion.Api.Data;
using VideoConversion.Api.Extensions;
using VideoConversion.Api.Memory;
using VideoConversion.Api.Playback;
using VideoConversion.Api.RateLimits;
using VideoConversion.Api.Webhooks;

if (args.FirstOrDefault() == ManageCommand.Name)
{
    return await ManageCommand.RunAsync(args);
}

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();
builder.AddAccounts();
builder.AddRateLimits();
builder.AddWebhooks();
builder.AddPlayback();
builder.Services.AddIdleApiMemory();

var app = builder.Build();

app.UseIdleApiMemory();
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseRequestBodyLimit();
app.UseAuthentication();
app.UseAuthorization();
app.UseRateLimiter();

app.MapDefaultEndpoints();
app.MapApiReference();
app.MapUploadApi();
app.MapMultipartUploadApi();
app.MapJobsApi();
app.MapAccountsApi();
app.MapWebhooksApi();
app.MapPlaybackApi();

SingleApiProcess.Claim(app.Services.GetRequiredService<JobDatabase>());
await app.Services.InitializeDatabaseAsync(app.Lifetime.ApplicationStopping);
await app.Services.EnsureKeyRingAsync(app.Lifetime.ApplicationStopping);
await app.Services.EnsureAdministratorAsync(app.Lifetime.ApplicationStopping);
await app.RunAsync();
return 0;

/// <summary>Entry point, visible to WebApplicationFactory-based tests.</summary>
public partial class Program;
