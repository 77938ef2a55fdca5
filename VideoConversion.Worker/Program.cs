using VideoConversion.Worker.Conversion;
using VideoConversion.Worker.Extensions;

if (args.FirstOrDefault() == ConvertCommand.Name)
{
    return await ConvertCommand.RunAsync(args);
}

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddWorkerServices();

var app = builder.Build();

app.MapDefaultEndpoints();

await app.RunAsync();
return 0;
