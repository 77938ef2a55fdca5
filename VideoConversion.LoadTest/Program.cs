using VideoConversion.LoadTest.Commands;

// e.g.  dotnet run --project VideoConversion.LoadTest -- load --num-jobs 100 --concurrency 10
return await RunCommands.Build().Parse(args).InvokeAsync();
