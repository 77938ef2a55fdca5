using VideoConversion.Api.Jobs;
using VideoConversion.Contracts.Jobs;
using VideoConversion.Contracts.Storage;
using VideoConversion.Infrastructure.Storage;

namespace VideoConversion.UnitTests.Jobs;

public class InputValidationTests
{
    [Theory]
    [InlineData("vacation.mov", ".mov")]
    [InlineData("CLIP.MP4", ".mp4")]
    [InlineData("  holiday.Mkv ", ".mkv")]
    [InlineData("a.b.webm", ".webm")]
    public void Allow_listed_extensions_are_recognised_and_lowercased(string fileName, string expected)
    {
        Assert.Equal(expected, InputFormats.ExtensionOf(fileName));
    }

    [Theory]
    [InlineData("payload.exe")]
    [InlineData("noextension")]
    [InlineData("playlist.m3u8")]
    [InlineData("list.ffconcat")]
    [InlineData("video.mov/")]
    public void Other_files_are_refused(string fileName)
    {
        Assert.Null(InputFormats.ExtensionOf(fileName));
    }

    [Fact]
    public void Storage_keys_come_from_the_job_id_and_the_allow_list_only()
    {
        var id = JobId.New();
        var extension = InputFormats.ExtensionOf("../../etc/passwd.mov");
        Assert.Equal($"{id}.mov", StorageNames.InputKey(id, extension!));
        Assert.Equal("output", StorageNames.OutputBucket);
        Assert.Equal($"{id}.mp4", StorageNames.OutputKey(id));
    }

    [Fact]
    public void Job_ids_are_unguessable_lowercase_hex()
    {
        var ids = Enumerable.Range(0, 1000).Select(_ => JobId.New()).ToHashSet();
        Assert.Equal(1000, ids.Count);
        Assert.All(ids, id => Assert.True(JobId.IsWellFormed(id)));
        Assert.False(JobId.IsWellFormed("../0123456789abcdef0123456789abc"));
        Assert.False(JobId.IsWellFormed("0123456789ABCDEF0123456789ABCDEF"));
        Assert.False(JobId.IsWellFormed(null));
    }

    [Theory]
    [InlineData("mp4", "mp4")]
    [InlineData(" MP4 ", "mp4")]
    [InlineData("webm", null)]
    public void Only_mp4_output_is_offered(string requested, string? expected)
    {
        Assert.Equal(expected, OutputFormats.Normalize(requested));
    }

    [Fact]
    public void Bucket_paths_split_into_bucket_and_key()
    {
        Assert.Equal(("input", "abc.mov"), StorageNames.SplitPath("input/abc.mov"));
        Assert.Throws<FormatException>(() => StorageNames.SplitPath("nobucket"));
        Assert.Throws<FormatException>(() => StorageNames.SplitPath("input/"));
    }
}
