using VideoConversion.Api.Storage;

namespace VideoConversion.UnitTests.Storage;

/// <summary>How the API cuts a declared size into parts: S3's limits (at most 10,000 parts, each at least 5 MiB) hold for any size it accepts.</summary>
public sealed class PartSizeTests
{
    private const long MiB = 1024 * 1024;

    [Theory]
    [InlineData(100 * MiB, 16 * MiB)]
    [InlineData(10_000 * 16 * MiB, 16 * MiB)]
    // One byte more than 10,000 parts of 16 MiB hold: the parts grow to the next whole MiB.
    [InlineData((10_000 * 16 * MiB) + 1, 17 * MiB)]
    [InlineData(50_000_000_000, 16 * MiB)]
    [InlineData(200_000_000_000, 20 * MiB)]
    public void A_file_is_cut_in_parts_of_the_setting_or_larger_to_stay_within_ten_thousand(long size, long expected)
    {
        var options = new UploadOptions();

        var partSize = options.PartSizeFor(size);

        Assert.Equal(expected, partSize);
        Assert.True((size + partSize - 1) / partSize <= UploadOptions.MaxParts);
    }

    [Theory]
    [InlineData(1, 5 * MiB)]
    [InlineData(2, 5 * MiB)]
    [InlineData(3, (12 * MiB) - (10 * MiB))]
    public void Every_part_but_the_last_is_the_part_size_and_the_last_holds_the_rest(int number, long expected) =>
        Assert.Equal(expected, UploadOptions.PartBytes(12 * MiB, 5 * MiB, number));
}
