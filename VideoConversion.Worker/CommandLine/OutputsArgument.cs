using VideoConversion.Contracts.Outputs;

namespace VideoConversion.Worker.CommandLine;

/// <summary>The optional last argument of "convert" and "plan": the outputs to make, comma-separated, as a job names them.</summary>
public static class OutputsArgument
{
    public static string Usage { get; } = string.Join(',', OutputKinds.Supported);

    /// <summary>The outputs the fourth argument names, or the MP4 alone without one; null when it names an unknown one.</summary>
    public static IReadOnlyList<string>? Parse(string[] args) =>
        args.Length < 4 ? OutputKinds.Default : OutputKinds.Normalize(args[3].Split(','), out _);
}
