using System.Net;
using System.Net.Sockets;
using VideoConversion.Tests.Support;
using VideoConversion.Worker.Conversion;
using VideoConversion.Worker.Conversion.Probing;

namespace VideoConversion.Tests.Conversion;

/// <summary>
/// Files built to make FFmpeg reach beyond the uploaded file. Each is refused before FFmpeg acts
/// on it: no connection is made and no file outside the scratch directory is opened.
/// </summary>
public sealed class HostileInputTests : IDisposable
{
    private readonly DirectoryInfo _scratch = Directory.CreateTempSubdirectory("videoconversion-scratch-");
    private readonly DirectoryInfo _outside = Directory.CreateTempSubdirectory("videoconversion-outside-");

    [Fact]
    public async Task An_hls_playlist_renamed_mp4_makes_no_network_connection()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var input = Path.Combine(_scratch.FullName, "input.mp4");
        await File.WriteAllTextAsync(input, HostileFiles.HlsPlaylist($"http://127.0.0.1:{port}/segment.ts"));

        var failure = await Assert.ThrowsAsync<ConversionFailedException>(() => ConvertAsync(input));

        Assert.Equal($"The file is an HLS playlist, not a video in an accepted format ({ContainerFormats.Names}).", failure.Message);
        // FFmpeg has exited: any connection it tried would be waiting in the listener's backlog.
        Assert.False(listener.Pending(), "FFmpeg connected to the address in the playlist");
    }

    [Fact]
    public async Task An_ffconcat_list_naming_other_files_reads_none_of_them()
    {
        // The canary comes first and by a plain relative name: the concat demuxer's safe mode
        // would refuse an absolute path by itself, and only opens the first file up front.
        using var canary = await FifoCanary.CreateAsync(Path.Combine(_scratch.FullName, "canary.mp4"));
        var input = Path.Combine(_scratch.FullName, "input.mp4");
        await File.WriteAllTextAsync(input, HostileFiles.ConcatList("canary.mp4", "/etc/passwd"));

        var failure = await Assert.ThrowsAsync<ConversionFailedException>(() => ConvertAsync(input));

        Assert.Equal($"The file is an FFmpeg concat list, not a video in an accepted format ({ContainerFormats.Names}).", failure.Message);
        Assert.False(canary.WasOpened, "FFmpeg opened a file named in the concat list");
    }

    [Fact]
    public async Task An_hls_playlist_pointing_at_a_local_file_does_not_open_it()
    {
        using var canary = await FifoCanary.CreateAsync(Path.Combine(_outside.FullName, "canary.ts"));
        var input = Path.Combine(_scratch.FullName, "input.mkv");
        await File.WriteAllTextAsync(input, HostileFiles.HlsPlaylist(canary.Path));

        await Assert.ThrowsAsync<ConversionFailedException>(() => ConvertAsync(input));

        Assert.False(canary.WasOpened, "FFmpeg opened the file named in the playlist");
    }

    private Task<ConversionSummary> ConvertAsync(string input) =>
        Converters.Create().ConvertAsync(input, Path.Combine(_scratch.FullName, "output.mp4"), _ => Task.CompletedTask, CancellationToken.None);

    public void Dispose()
    {
        _scratch.Delete(recursive: true);
        _outside.Delete(recursive: true);
    }
}
