using System.Text;
using VideoConversion.Api.Jobs;
using VideoConversion.Api.Uploads;

namespace VideoConversion.UnitTests.Uploads;

public class UploadEventTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private const string JobId = "0123456789abcdef0123456789abcdef";

    private static IReadOnlyList<UploadEvent>? Parse(string json) => UploadEvent.Parse(Encoding.UTF8.GetBytes(json));

    [Fact]
    public void MinIOs_amqp_message_gives_the_bucket_the_unescaped_key_the_size_and_the_etag()
    {
        // As MinIO's AMQP target publishes it: the key query-escaped, the ETag without quotes.
        var events = Parse("""
            {"EventName":"s3:ObjectCreated:Put","Key":"input/my clip+1.mp4","Records":[{"eventVersion":"2.0","eventSource":"minio:s3",
             "eventTime":"2026-01-01T12:00:01.250Z","eventName":"s3:ObjectCreated:Put","s3":{"bucket":{"name":"input","arn":"arn:aws:s3:::input"},
             "object":{"key":"my+clip%2B1.mp4","size":1234,"eTag":"d41d8cd98f00b204e9800998ecf8427e","sequencer":"1"}}}]}
            """);
        var upload = Assert.Single(events!);
        Assert.Equal(new UploadEvent("input", "my clip+1.mp4", 1234, "d41d8cd98f00b204e9800998ecf8427e", T0.AddSeconds(1.25)), upload);
    }

    [Fact]
    public void S3s_bare_records_are_read_too_and_only_creations_count()
    {
        var events = Parse("""
            {"Records":[
              {"eventName":"ObjectCreated:CompleteMultipartUpload","s3":{"bucket":{"name":"input"},"object":{"key":"a.mp4","size":5,"eTag":"\"abc-2\""}}},
              {"eventName":"ObjectRemoved:Delete","s3":{"bucket":{"name":"input"},"object":{"key":"b.mp4"}}},
              {"eventName":"ObjectCreated:Copy","s3":{"bucket":{"name":"input"},"object":{"key":"c.mp4"}}}]}
            """);
        Assert.Equal([new UploadEvent("input", "a.mp4", 5, "abc-2"), new UploadEvent("input", "c.mp4", null, null)], events!);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{}")]
    [InlineData("[1,2]")]
    [InlineData("""{"Records":"x"}""")]
    public void Anything_else_is_not_an_event(string body) => Assert.Null(Parse(body));

    [Fact]
    public void An_upload_is_recorded_once_and_a_replaced_one_replaces_it()
    {
        var job = Job.Create(JobId, "clip.mp4", null, $"{JobId}.mp4", T0, T0.AddMinutes(10), startOnUpload: true);
        Assert.True(job.RecordUpload(100, "one", T0.AddSeconds(1)));
        Assert.False(job.RecordUpload(100, "one", T0.AddSeconds(2))); // the same event again
        Assert.True(job.RecordUpload(200, "two", T0.AddSeconds(3)));
        Assert.Equal(new Api.Storage.StoredUpload(200, "two"), job.RecordedUpload);
        Assert.Equal(T0.AddSeconds(3), job.UploadedAt);

        // An earlier upload of the same key, heard of late, does not replace the later one.
        Assert.False(job.RecordUpload(100, "one", T0.AddSeconds(2)));
        Assert.Equal(new Api.Storage.StoredUpload(200, "two"), job.RecordedUpload);

        job.Submit(200, "two", T0.AddSeconds(4));
        Assert.False(job.RecordUpload(300, "three", T0.AddSeconds(5))); // it moved on
        Assert.Equal(200, job.InputBytes);
    }

    [Fact]
    public void A_refused_upload_fails_a_job_that_awaits_it_and_nothing_else()
    {
        var job = Job.Create(JobId, "clip.mp4", null, $"{JobId}.mp4", T0, T0.AddMinutes(10), startOnUpload: true);
        Assert.True(job.RefuseUpload("Too big.", T0.AddSeconds(1)));
        Assert.Equal(JobStatus.Failed, job.Status);
        Assert.Equal("Too big.", job.Error);
        Assert.False(job.RefuseUpload("Again.", T0.AddSeconds(2)));
        Assert.Equal("Too big.", job.Error);
    }

    [Theory]
    [InlineData(null, true)]
    [InlineData("upload", true)]
    [InlineData(" Submit ", false)]
    public void The_start_option_reads_upload_or_submit(string? start, bool onUpload) => Assert.Equal(onUpload, UploadStart.StartsOnUpload(start));

    [Fact]
    public void Any_other_start_is_refused() => Assert.Null(UploadStart.StartsOnUpload("later"));
}
