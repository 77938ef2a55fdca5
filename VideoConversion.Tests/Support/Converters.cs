using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using VideoConversion.Worker.Conversion;
using VideoConversion.Worker.Conversion.Outputs;
using VideoConversion.Worker.Conversion.Probing;
using VideoConversion.Worker.Conversion.Verification;

namespace VideoConversion.Tests.Support;

/// <summary>The worker's converter, wired as the worker wires it, around the real FFmpeg.</summary>
public static class Converters
{
    /// <summary>Production settings, with a faster x264 preset: the corpus tests the pipeline, not the encoder's quality.</summary>
    public static ConversionOptions Options(Action<ConversionOptions>? configure = null)
    {
        var options = new ConversionOptions { Preset = "veryfast" };
        configure?.Invoke(options);
        return options;
    }

    public static VideoConverter Create(ConversionOptions? options = null)
    {
        var wrapped = Microsoft.Extensions.Options.Options.Create(options ?? Options());
        var probe = new MediaProbe(wrapped);
        return new VideoConverter(
            probe, new OutputVerifier(probe, wrapped), new OutputsFinisher(probe, new HlsVerifier(probe), wrapped), wrapped, NullLogger<VideoConverter>.Instance);
    }

    /// <summary>The output check, around the real ffprobe.</summary>
    public static OutputVerifier Verifier(ConversionOptions? options = null)
    {
        var wrapped = Microsoft.Extensions.Options.Options.Create(options ?? Options());
        return new OutputVerifier(new MediaProbe(wrapped), wrapped);
    }

    public static MediaProbe Probe(ConversionOptions? options = null) =>
        new(Microsoft.Extensions.Options.Options.Create(options ?? Options()));
}
