using VideoConversion.Contracts.Text;
using VideoConversion.Web.Uploads;

namespace VideoConversion.UnitTests.Web;

public class UploadFormattingTests
{
    [Fact]
    public void Progress_gives_percent_speed_and_time_left_from_bytes_and_time()
    {
        var progress = new TransferProgress(SentBytes: 250_000_000, TotalBytes: 1_000_000_000, Elapsed: TimeSpan.FromSeconds(10));

        Assert.Equal(25, progress.Percent);
        Assert.Equal(25_000_000, progress.BytesPerSecond);
        Assert.Equal(TimeSpan.FromSeconds(30), progress.Remaining);
    }

    [Fact]
    public void A_resumed_upload_counts_the_parts_storage_held_as_sent_but_not_in_its_speed()
    {
        // 600 MB were in storage before this page began; it sent 100 MB more in 10 s.
        var progress = new TransferProgress(700_000_000, 1_000_000_000, TimeSpan.FromSeconds(10), ResumedBytes: 600_000_000);

        Assert.Equal(70, progress.Percent);
        Assert.Equal(10_000_000, progress.BytesPerSecond);
        Assert.Equal(TimeSpan.FromSeconds(30), progress.Remaining);
        Assert.Null((progress with { SentBytes = 600_000_000 }).BytesPerSecond);
    }

    [Fact]
    public void Progress_before_any_byte_has_no_speed_or_time_left()
    {
        var progress = new TransferProgress(0, 1_000, TimeSpan.Zero);
        Assert.Equal((0, null, null), (progress.Percent, progress.BytesPerSecond, progress.Remaining));
    }

    [Theory]
    [InlineData(999, "999 B")]
    [InlineData(1_500, "1.5 KB")]
    [InlineData(10_000_000_000, "10 GB")]
    public void Sizes_read_in_decimal_units(long bytes, string text)
    {
        Assert.Equal(text, ByteText.Size(bytes));
    }

    [Theory]
    [InlineData(0.4, "under a second")]
    [InlineData(42, "42 s")]
    [InlineData(125, "2 min 5 s")]
    [InlineData(3 * 3600 + 600, "3 h 10 min")]
    public void Times_left_read_as_people_say_them(double seconds, string text)
    {
        Assert.Equal(text, ByteText.Duration(TimeSpan.FromSeconds(seconds)));
    }

    [Fact]
    public void A_file_is_checked_for_type_emptiness_and_size_before_it_is_sent()
    {
        Assert.Null(UploadFileCheck.Problem("holiday.MOV", 5_000, 10_000));
        Assert.StartsWith("notes.txt is not a video file this service accepts (accepted: .mp4, ", UploadFileCheck.Problem("notes.txt", 5_000, 10_000), StringComparison.Ordinal);
        Assert.Equal("empty.mp4 is empty.", UploadFileCheck.Problem("empty.mp4", 0, 10_000));
        Assert.Equal("big.mkv is 20 KB; the largest accepted is 10 KB.", UploadFileCheck.Problem("big.mkv", 20_000, 10_000));
    }
}
