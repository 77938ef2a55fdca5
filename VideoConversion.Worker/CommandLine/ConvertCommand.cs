using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Options;
using VideoConversion.Worker.Conversion;
using VideoConversion.Worker.Conversion.Outputs;
using VideoConversion.Worker.Conversion.Probing;
using VideoConversion.Worker.Conversion.Verification;

namespace VideoConversion.Worker.CommandLine;

/// <summary>
/// "convert INPUT OUTPUT": one local file through exactly the worker's conversion (probe, plan,
/// FFmpeg, output check), with the worker's configuration. For operators reproducing a failed
/// job, and for benchmarks.
/// </summary>
public static class ConvertCommand
{
    public const string Name = "convert";

    public static async Task<int> RunAsync(string[] args)
    {
        if (args is not [Name, var input, var output, ..] || args.Length > 4 || OutputsArgument.Parse(args) is not { } outputs)
        {
            await Console.Error.WriteLineAsync(
                $"usage: VideoConversion.Worker convert INPUT OUTPUT [{OutputsArgument.Usage}]   (settings from appsettings.json and Conversion__* variables)");
            return 64;
        }

        using var host = BuildHost();

        using var interrupted = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            interrupted.Cancel();
        };

        var stopwatch = Stopwatch.StartNew();
        try
        {
            var summary = await host.Services.GetRequiredService<VideoConverter>().ConvertAsync(
                Path.GetFullPath(input), Path.GetFullPath(output), _ => Task.CompletedTask, interrupted.Token, outputs);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{summary.Method}: {stopwatch.Elapsed.TotalSeconds:F2} s, {summary.Outputs.TotalBytes} bytes"));
            return 0;
        }
        catch (ConversionFailedException failure)
        {
            await Console.Error.WriteLineAsync($"failed: {failure.Message}{Environment.NewLine}{failure.Diagnostics}");
            return 1;
        }
        catch (SystemFaultException fault)
        {
            // EX_TEMPFAIL: not the file's fault; trying again may work.
            await Console.Error.WriteLineAsync($"stopped ({fault.Cause}): {fault.Message}");
            return 75;
        }
        catch (OperationCanceledException) when (interrupted.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync("cancelled");
            return 130;
        }
        catch (OptionsValidationException invalid)
        {
            await Console.Error.WriteLineAsync($"configuration: {invalid.Message}");
            return 78;
        }
    }

    /// <summary>The worker's conversion services and configuration, without its queue consumer.</summary>
    internal static IHost BuildHost()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddOptions<ConversionOptions>()
            .BindConfiguration(ConversionOptions.SectionName)
            .ValidateDataAnnotations();
        builder.Services.AddSingleton<IValidateOptions<ConversionOptions>, ConversionOptionsValidator>();
        builder.Services.AddSingleton<MediaProbe>();
        builder.Services.AddSingleton<OutputVerifier>();
        builder.Services.AddSingleton<HlsVerifier>();
        builder.Services.AddSingleton<OutputsFinisher>();
        builder.Services.AddSingleton<VideoConverter>();
        return builder.Build();
    }
}
