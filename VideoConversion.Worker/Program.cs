using VideoConversion.Worker.CommandLine;
using VideoConversion.Worker.Extensions;

switch (args.FirstOrDefault())
{
    case ConvertCommand.Name:
        return await ConvertCommand.RunAsync(args);
    case PlanCommand.Name:
        return await PlanCommand.RunAsync(args);
}

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddWorkerServices();

var app = builder.Build();

app.MapDefaultEndpoints();

await app.RunAsync();
return 0;
