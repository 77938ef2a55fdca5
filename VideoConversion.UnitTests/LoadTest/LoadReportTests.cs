using VideoConversion.LoadTest.Api;
using VideoConversion.LoadTest.Reports;

namespace VideoConversion.UnitTests.LoadTest;

public sealed class LoadReportTests
{
    [Fact]
    public void Percentiles_interpolate_between_the_closest_ranks()
    {
        double[] values = [4, 1, 3, 2, 5];
        Assert.Equal(3, Percentiles.Of(values, 50));
        Assert.Equal(4.8, Percentiles.Of(values, 95)!.Value, precision: 10);
        Assert.Equal(1, Percentiles.Of(values, 0));
        Assert.Equal(5, Percentiles.Of(values, 100));
        Assert.Null(Percentiles.Of([], 50));
        Assert.Equal(7, Percentiles.Of([7], 99));
    }

    [Fact]
    public void The_queue_reading_takes_video_jobs_from_the_apis_metrics()
    {
        const string metrics = """
            # TYPE videoconversion_queue_messages gauge
            videoconversion_queue_messages{otel_scope_name="VideoConversion.Api",messaging_destination_name="video_job_reports"} 9
            videoconversion_queue_messages{otel_scope_name="VideoConversion.Api",messaging_destination_name="video_jobs"} 17
            videoconversion_queue_consumers{otel_scope_name="VideoConversion.Api",messaging_destination_name="video_jobs"} 3
            """;

        Assert.Equal(new QueueReading(17, 3), QueueReading.Parse(metrics));
        Assert.Equal(new QueueReading(null, null), QueueReading.Parse(""));
    }
}
