using VideoConversion.Web.Components;
using VideoConversion.Web.Jobs;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.Services.AddRazorComponents();
// "api" resolves through service discovery: Aspire, or services__api__http__0 in a deployment.
builder.Services.AddHttpClient<JobsClient>(client => client.BaseAddress = new Uri("http://api"));

var app = builder.Build();

app.UseExceptionHandler("/error", createScopeForErrors: true);
app.UseAntiforgery();
app.MapStaticAssets();
app.MapRazorComponents<App>();
app.MapDefaultEndpoints();

await app.RunAsync();
