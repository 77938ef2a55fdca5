using VideoConversion.Api.Api;
using VideoConversion.Api.Data;
using VideoConversion.Api.Extensions;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddApplicationServices();

var app = builder.Build();

app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseRequestBodyLimit();

app.MapDefaultEndpoints();
app.MapApiReference();
app.MapUploadApi();
app.MapJobsApi();

await app.Services.InitializeDatabaseAsync(app.Lifetime.ApplicationStopping);
await app.RunAsync();

/// <summary>Entry point, visible to WebApplicationFactory-based tests.</summary>
public partial class Program;
