using VideoConversion.LoadTest.Api;

namespace VideoConversion.UnitTests.LoadTest;

public sealed class PrometheusSamplesTests
{
    [Fact]
    public void A_samples_value_is_read_before_its_timestamp_and_only_with_the_labels_asked_for()
    {
        const string page = """
            # TYPE videoconversion_queue_messages gauge
            videoconversion_queue_messages{messaging_destination_name="video_jobs_dead"} 9
            videoconversion_queue_messages{messaging_destination_name="video_jobs"} 3 1764900000000
            videoconversion_queue_messages_total{messaging_destination_name="video_jobs"} 7
            """;

        var samples = PrometheusSamples.Of(page, "videoconversion_queue_messages", ("messaging_destination_name", "video_jobs")).ToList();

        Assert.Equal([("messaging_destination_name=\"video_jobs\"", 3.0)], samples);
    }

    [Fact]
    public void A_label_is_found_at_the_sets_start_or_after_a_comma_never_inside_another_labels_name()
    {
        Assert.Equal("0.5", PrometheusSamples.LabelValue("le=\"0.5\"", "le"));
        Assert.Equal("+Inf", PrometheusSamples.LabelValue("http_route=\"/jobs/{jobId}\",le=\"+Inf\"", "le"));
        Assert.Null(PrometheusSamples.LabelValue("handle=\"x\"", "le"));
        Assert.Equal("y", PrometheusSamples.LabelValue("handle=\"x\",le=\"y\"", "le"));
    }
}
