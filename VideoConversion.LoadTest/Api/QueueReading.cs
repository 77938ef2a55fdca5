namespace VideoConversion.LoadTest.Api;

/// <summary>What the API's /metrics says of video_jobs: messages waiting and workers attached (read from the broker).</summary>
public sealed record QueueReading(double? Waiting, double? Workers)
{
    public static QueueReading Parse(string prometheusText) =>
        new(Sample(prometheusText, "videoconversion_queue_messages"), Sample(prometheusText, "videoconversion_queue_consumers"));

    private static double? Sample(string text, string name) =>
        PrometheusSamples.Of(text, name, ("messaging_destination_name", "video_jobs"))
            .Select(sample => (double?)sample.Value)
            .FirstOrDefault();
}
