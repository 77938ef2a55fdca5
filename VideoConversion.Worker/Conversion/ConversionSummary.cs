namespace VideoConversion.Worker.Conversion;

/// <summary>What a finished conversion did, for logs and reports.</summary>
public sealed record ConversionSummary(string Method, MediaInfo Input, ConversionPlan Plan);
