using VideoConversion.Web.Accounts;
using VideoConversion.Web.Components;
using VideoConversion.Web.Jobs;
using VideoConversion.Web.Playback;
using VideoConversion.Web.Security;
using VideoConversion.Web.Uploads;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.Services.AddRazorComponents().AddInteractiveServerComponents();
builder.Services.AddPageDataProtection(builder.Configuration);
builder.Services.AddPageSessions();
builder.Services.AddSignInRateLimit();
builder.Services.AddOptions<UploadOptions>()
    .BindConfiguration(UploadOptions.SectionName)
    .ValidateDataAnnotations()
    .ValidateOnStart();
builder.Services.AddSingleton(TimeProvider.System);
// "api" resolves through service discovery: Aspire, or services__api__http__0 in a deployment.
builder.Services.AddHttpClient<JobsClient>(client => client.BaseAddress = new Uri("http://api"));
#pragma warning disable EXTEXP0001 // Marked for evaluation, yet the package's documented way to drop the defaults' handler for one client.
builder.Services.AddHttpClient<UploadCompletionClient>(client =>
{
    client.BaseAddress = new Uri("http://api");
    client.Timeout = UploadCompletionClient.TimeLimit;
}).RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
builder.Services.AddHttpClient<AccountClient>(client => client.BaseAddress = new Uri("http://api"));
builder.Services.AddHttpClient<SignInClient>(client => client.BaseAddress = new Uri("http://api"));
builder.Services.AddPlaybackProxy();

var app = builder.Build();

app.UseExceptionHandler("/error", createScopeForErrors: true);
app.UseAuthentication();
app.UseAuthorization();
app.UseRateLimiter();
app.UseAntiforgery();
app.MapStaticAssets();
app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
app.MapSignOut();
app.MapPlaybackProxy();
app.MapDefaultEndpoints();

await app.RunAsync();
