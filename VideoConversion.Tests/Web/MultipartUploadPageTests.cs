using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using VideoConversion.Tests.Support;

namespace VideoConversion.Tests.Web;

/// <summary>
/// A large file sent from the page in parts, in a real browser: parts dropped on the way are sent again, and a reload
/// mid-upload followed by choosing the same file sends only the parts storage lacks. Bytes are counted where storage
/// receives them: the presigned URLs of this system point at a proxy in front of storage.
/// </summary>
[Collection(WholeSystem.Name)]
public sealed class MultipartUploadPageTests(SystemFixture system) : IAsyncLifetime
{
    private const long FileBytes = 300L * 1000 * 1000;

    /// <summary>The parts the page sends at once (wwwroot/js/multipart.js).</summary>
    private const int PartsInFlight = 4;

    /// <summary>Headers and the like of every request, on top of the parts' bytes.</summary>
    private const long RequestOverheadBytes = 512 * 1024;

    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("videoconversion-parts-page-");
    private PageBrowser _browser = null!;
    private TestAccount _account = null!;
    private HttpClient _api = null!;

    public async Task InitializeAsync()
    {
        _browser = await PageBrowser.LaunchAsync();
        // An account of its own: its list holds only these uploads, and its storage quota only their bytes.
        _account = await system.CreateAccountAsync("parts-page");
        _api = system.ApiClient(_account.ApiKey);
    }

    [Fact]
    public async Task A_300_MB_file_goes_in_parts_and_completes_though_two_part_requests_are_dropped()
    {
        var (name, file) = SparseFile();
        var page = await _browser.OpenSignedInAsync(system.WebAddress, _account);
        var partRequests = 0;
        var dropped = 0;
        await page.RouteAsync(url => url.Contains("partNumber=", StringComparison.Ordinal), async route =>
        {
            if (route.Request.Method == "PUT" && Interlocked.Increment(ref partRequests) <= 2)
            {
                Interlocked.Increment(ref dropped);
                await route.AbortAsync("connectionreset");
                return;
            }

            await route.ContinueAsync();
        });
        var before = system.PublicStorageProxy.BytesFromClients;

        await page.SetInputFilesAsync("#file-input", file);

        await page.Locator("li.upload-card[data-stage=converting]").WaitForAsync(new() { Timeout = 180_000 });
        var sent = system.PublicStorageProxy.BytesFromClients - before;
        var job = await _api.GetJobAsync((await UploadedJobAsync(name)).GetProperty("job_id").GetString()!);
        Assert.Equal(2, dropped);
        // Storage assembled the whole file from its parts, and the job went on.
        Assert.Equal(FileBytes, job.GetProperty("input_bytes").GetInt64());
        Assert.NotEqual("AWAITING_UPLOAD", job.GetProperty("status").GetString());
        // The dropped requests never reached storage; every part reached it once.
        Assert.InRange(sent, FileBytes, FileBytes + RequestOverheadBytes);
        Assert.True(partRequests >= (FileBytes + SystemFixture.PartBytes - 1) / SystemFixture.PartBytes + 2, $"{partRequests} part requests");
    }

    [Fact]
    public async Task A_paused_upload_sends_nothing_and_after_a_reload_the_same_file_sends_only_the_parts_storage_lacks()
    {
        var (name, file) = SparseFile();
        var proxy = system.PublicStorageProxy;
        // A link slow enough that the upload is surely still running when the page is paused and reloaded.
        proxy.ClientBytesPerSecond = 30_000_000;
        try
        {
            var page = await _browser.OpenSignedInAsync(system.WebAddress, _account);
            var before = proxy.BytesFromClients;
            await page.SetInputFilesAsync("#file-input", file);
            await WaitForPercentAsync(page, "Uploading", 10);

            var partsStartedAfterPause = 0;
            var paused = false;
            page.Request += (_, request) =>
            {
                if (Volatile.Read(ref paused) && request.Method == "PUT" && request.Url.Contains("partNumber=", StringComparison.Ordinal))
                {
                    Interlocked.Increment(ref partsStartedAfterPause);
                }
            };
            await page.GetByRole(AriaRole.Button, new() { Name = $"Pause upload of {name}" }).ClickAsync();
            await page.Locator("li.upload-card label.progress-label", new() { HasTextString = "Paused" }).WaitForAsync();
            // From the moment the page says it is paused (a part may start between the click and then, as the one before
            // it ends): the browser's events reach the test in order, so any request counted from here started after.
            Volatile.Write(ref paused, true);
            // What the browser wrote before the pause may still sit in the sockets' buffers; it reaches storage first.
            var whenPaused = await BytesOnceTheLinkIsQuietAsync(proxy);
            await Task.Delay(TimeSpan.FromSeconds(2));
            Assert.Equal(whenPaused, proxy.BytesFromClients);
            Assert.Equal(0, Volatile.Read(ref partsStartedAfterPause));

            await page.GetByRole(AriaRole.Button, new() { Name = $"Resume upload of {name}" }).ClickAsync();
            await WaitForPercentAsync(page, "Uploading", 30);
            await page.ReloadAsync();
            await page.Locator("#file-input:enabled").WaitForAsync(new() { Timeout = 30_000 });

            // The page remembers the unfinished upload, and storage holds some of its parts.
            Assert.Contains(name, await page.Locator(".interrupted").TextContentAsync(), StringComparison.Ordinal);
            var jobId = (await UploadedJobAsync(name)).GetProperty("job_id").GetString()!;
            var held = await _api.GetFromJsonAsync<JsonElement>($"/uploads/{jobId}/parts");
            var heldBytes = held.GetProperty("parts").EnumerateArray().Sum(part => part.GetProperty("size_bytes").GetInt64());
            Assert.InRange(heldBytes, 1, FileBytes - 1);
            proxy.ClientBytesPerSecond = null;

            // The parts the reload cut off may still be draining from the sockets' buffers into storage: they were sent
            // before the reload, not after it (CI run 54 counted 5 MB of them as resumed).
            var beforeResume = await BytesOnceTheLinkIsQuietAsync(proxy);
            await page.SetInputFilesAsync("#file-input", file);
            await page.Locator("li.upload-card[data-stage=converting]").WaitForAsync(new() { Timeout = 180_000 });

            var resumedSent = proxy.BytesFromClients - beforeResume;
            var job = await _api.GetJobAsync(jobId);
            Assert.Equal(FileBytes, job.GetProperty("input_bytes").GetInt64());
            // Only what storage lacked went again (a part storage finished taking after the listing above is not sent either).
            Assert.True(resumedSent <= FileBytes - heldBytes + RequestOverheadBytes,
                $"after the reload {resumedSent:N0} bytes were sent; storage held {heldBytes:N0} of {FileBytes:N0}");
            // In all, the pause and the reload each cost at most the parts then in flight (four), sent again whole.
            Assert.InRange(proxy.BytesFromClients - before, FileBytes, FileBytes + (2 * PartsInFlight * SystemFixture.PartBytes) + RequestOverheadBytes);
        }
        finally
        {
            proxy.ClientBytesPerSecond = null;
        }
    }

    /// <summary>A file of the size, without using the disk (sparse): what is tested is the transfer, not the video.</summary>
    private (string Name, string Path) SparseFile()
    {
        var name = $"big-{Guid.NewGuid():N}.mp4";
        var path = Path.Combine(_work.FullName, name);
        using var file = File.Create(path);
        file.SetLength(FileBytes);
        return (name, path);
    }

    /// <summary>
    /// The proxy's count once a second has passed with nothing received (at most 30 s: the buffered bytes of four parts
    /// drain in well under that even at the test's capped rate).
    /// </summary>
    private static async Task<long> BytesOnceTheLinkIsQuietAsync(LinkProxy proxy)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        var last = proxy.BytesFromClients;
        while (true)
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
            var now = proxy.BytesFromClients;
            if (now == last)
            {
                return now;
            }

            Assert.True(DateTime.UtcNow < deadline, $"storage still receiving bytes 30 s after the page stopped sending ({now:N0} so far)");
            last = now;
        }
    }

    private static async Task WaitForPercentAsync(IPage page, string state, int percent) =>
        await page.WaitForFunctionAsync(
            "([state, percent]) => { const m = /^(\\w+): (\\d+)%/.exec(document.querySelector('li.upload-card label.progress-label')?.textContent ?? ''); return m && m[1] === state && +m[2] >= percent; }",
            new object[] { state, percent }, new() { Timeout = 120_000 });

    private async Task<JsonElement> UploadedJobAsync(string name)
    {
        var jobs = await _api.GetFromJsonAsync<JsonElement>("/jobs?page=1&page_size=50");
        return jobs.GetProperty("items").EnumerateArray().Single(item => item.GetProperty("filename").GetString() == name);
    }

    public async Task DisposeAsync()
    {
        _api.Dispose();
        await _browser.DisposeAsync();
        _work.Delete(recursive: true);
    }
}
