using System.Net.Http.Json;
using Microsoft.Playwright;
using VideoConversion.Tests.Support;
using VideoConversion.Tests.Support.Telemetry;

namespace VideoConversion.Tests.Web;

/// <summary>
/// The upload page in a real browser (the system's Chromium, headless) against the whole running
/// system: a file chosen on the page goes to storage, is converted, and plays in the page.
/// </summary>
[Collection(WholeSystem.Name)]
public sealed class UploadPageBrowserTests(SystemFixture system) : IAsyncLifetime
{
    private static readonly string Screenshots = Path.Combine(RepositoryPaths.Root, "artifacts", "screenshots");

    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("videoconversion-browser-");
    private PageBrowser _session = null!;
    private IBrowser _browser = null!;

    public async Task InitializeAsync()
    {
        _session = await PageBrowser.LaunchAsync();
        _browser = _session.Browser;
        Directory.CreateDirectory(Screenshots);
    }

    [Fact]
    public async Task A_video_uploaded_through_the_page_is_converted_and_plays_in_the_page()
    {
        // A name no other test uses, so the recent list can only show it because of this upload.
        var input = Path.Combine(_work.FullName, $"holiday-{Guid.NewGuid():N}.avi");
        File.Move(await TestMedia.MjpegAviAsync(_work.FullName, seconds: 3), input);
        var page = await OpenAsync(width: 1100, height: 900);

        await page.SetInputFilesAsync("#file-input", input);

        var card = page.Locator("li.upload-card").First;
        await card.And(page.Locator("[data-status=DONE]")).WaitForAsync(new() { Timeout = 180_000 });
        var video = card.Locator("video");
        // Play it muted (browsers allow that without a gesture) until real frames have been shown.
        await video.EvaluateAsync("v => { v.muted = true; return v.play(); }");
        await page.WaitForFunctionAsync(
            "() => { const v = document.querySelector('li.upload-card video'); return v.readyState >= 3 && v.currentTime > 0.5; }",
            null, new() { Timeout = 30_000 });
        var (readyState, duration, width) = (
            await video.EvaluateAsync<int>("v => v.readyState"),
            await video.EvaluateAsync<double>("v => v.duration"),
            await video.EvaluateAsync<int>("v => v.videoWidth"));

        Assert.True(readyState >= 3, $"readyState {readyState}: the browser cannot play the result");
        Assert.InRange(duration, 2.8, 3.2);
        Assert.Equal(320, width);
        Assert.Contains("before", await card.Locator(".sizes").TextContentAsync(), StringComparison.Ordinal);
        Assert.Equal("DONE", (await page.Locator("li.upload-card .status").First.TextContentAsync())?.Trim());
        // Screen readers heard the outcome, and the recent list has the job after a reload.
        Assert.Contains("DONE", await page.Locator("#announcer").TextContentAsync(), StringComparison.Ordinal);
        await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "upload-page.png"), FullPage = true });

        await page.ReloadAsync();
        var row = page.Locator("table.jobs tbody tr", new() { HasText = Path.GetFileName(input) });
        await row.WaitForAsync();
        Assert.Equal("DONE", (await row.Locator("td").Nth(2).TextContentAsync())?.Trim());

        // The page began the video's trace: its upload and submission, and everything after, are one trace.
        var upload = await Polling.WaitForAsync(
            () => system.Telemetry.Spans.FirstOrDefault(span =>
                span.Service == "web" && span.Name == "upload video" && span.Attribute("videoconversion.upload.file_name") == Path.GetFileName(input)),
            "the page's upload span", TimeSpan.FromSeconds(30));
        var spans = await JobJourney.WaitForAsync(system.Telemetry, upload.TraceId, _ => { });
        Assert.Contains(spans, span => span.Service == "web" && span.Name == "submit video");
        JobJourney.AssertOneTree(spans, rootParent: "");
        Assert.Single(spans, span => span.ParentSpanId == "");
    }

    [Fact]
    public async Task The_page_plays_the_adaptive_stream_switches_rendition_when_asked_and_previews_the_seek_bar()
    {
        var name = $"trip-{Guid.NewGuid():N}.avi";
        var input = Path.Combine(_work.FullName, name);
        File.Move(await TestMedia.Mpeg4720pAsync(_work.FullName, "trip.avi", seconds: 8), input);
        var page = await OpenAsync(width: 1100, height: 900);
        await page.SetInputFilesAsync("#file-input", input);

        var card = page.Locator("li.upload-card").First;
        await card.And(page.Locator("[data-status=DONE]")).WaitForAsync(new() { Timeout = 180_000 });
        var player = card.Locator(".player");
        var video = player.Locator("video");
        // The player sets its poster from its script once it has rendered, a moment after the card shows DONE.
        await player.Locator("video[poster]:not([poster=''])").WaitForAsync(new() { Timeout = 30_000 });
        Assert.False(string.IsNullOrEmpty(await video.GetAttributeAsync("poster")), "the player shows the poster before it plays");

        // Played over HLS (hls.js, the quality menu filled from the master playlist) past 3 s.
        await page.WaitForFunctionAsync("() => document.querySelectorAll('li.upload-card select.quality option').length === 4", null, new() { Timeout = 30_000 });
        Assert.Equal(["Auto", "720p", "480p", "360p"], await player.Locator("select.quality option").AllTextContentsAsync());
        await video.EvaluateAsync("v => { v.muted = true; return v.play(); }");
        await page.WaitForFunctionAsync("() => document.querySelector('li.upload-card video').currentTime > 3", null, new() { Timeout = 30_000 });
        Assert.StartsWith("blob:", await video.EvaluateAsync<string>("v => v.src"), StringComparison.Ordinal);

        // Asked for 360p, it shows 360p pictures.
        await player.Locator("select.quality").SelectOptionAsync(new SelectOptionValue { Label = "360p" });
        await page.WaitForFunctionAsync(
            "() => { const p = document.querySelector('li.upload-card .player'); const v = p.querySelector('video'); return p.dataset.rendition === '360p' && v.videoHeight === 360; }",
            null, new() { Timeout = 30_000 });
        Assert.Null(await player.GetAttributeAsync("data-error"));

        // Over the seek bar, the storyboard's thumbnail of that moment, from its sprite sheet.
        var seek = player.Locator("input.seek");
        var box = (await seek.BoundingBoxAsync())!;
        await seek.HoverAsync(new() { Position = new() { X = box.Width * 0.6f, Y = box.Height / 2 } });
        await player.Locator(".preview:not([hidden])").WaitForAsync(new() { Timeout = 10_000 });
        Assert.Matches(@"^sheet001\.jpg#xywh=\d+,0,160,90$", await player.GetAttributeAsync("data-preview"));
        var sheetStatus = await page.EvaluateAsync<int>(
            "async () => { const url = getComputedStyle(document.querySelector('li.upload-card .preview .thumb')).backgroundImage.slice(5, -2); return (await fetch(url, { cache: 'no-store' })).status; }");
        Assert.Equal(200, sheetStatus);
        await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "player.png"), FullPage = true });

        // The job list shows its poster.
        await page.ReloadAsync();
        var poster = page.Locator("table.jobs tbody tr", new() { HasText = name }).Locator("img.poster");
        await poster.WaitForAsync(new() { Timeout = 30_000 });
        await page.WaitForFunctionAsync("img => img.complete && img.naturalWidth > 0", await poster.ElementHandleAsync(), new() { Timeout = 10_000 });
        Assert.Equal(1280, await poster.EvaluateAsync<int>("img => img.naturalWidth"));
    }

    [Fact]
    public async Task A_large_upload_shows_its_progress_and_can_be_cancelled_before_a_job_starts()
    {
        // 2 GB without using 2 GB of disk (sparse): the page must stream it, and the upload runs
        // long enough to be cancelled halfway.
        var large = Path.Combine(_work.FullName, "large.mp4");
        await using (var file = File.Create(large))
        {
            file.SetLength(2L * 1000 * 1000 * 1000);
        }

        var page = await OpenAsync(width: 1100, height: 900);
        await page.SetInputFilesAsync("#file-input", large);

        var label = page.Locator("li.upload-card label.progress-label");
        await page.WaitForFunctionAsync(
            "() => /Uploading: [1-9]/.test(document.querySelector('li.upload-card label.progress-label')?.textContent ?? '')",
            null, new() { Timeout = 60_000 });
        var transfer = await page.Locator("li.upload-card .transfer").TextContentAsync();
        Assert.Matches(@"of 2 GB · [\d.]+ [KMG]?B/s · .+ left", transfer);
        Assert.StartsWith("Uploading:", await label.TextContentAsync(), StringComparison.Ordinal);

        await page.GetByRole(AriaRole.Button, new() { Name = "Cancel upload of large.mp4" }).ClickAsync();

        await page.Locator("li.upload-card[data-stage=cancelled]").WaitForAsync(new() { Timeout = 10_000 });
        Assert.Equal("Upload cancelled.", (await page.Locator("li.upload-card p").TextContentAsync())?.Trim());
        // The job the page asked for is canceled with the upload: nothing was submitted, and nothing waits for it.
        await Polling.WaitUntilAsync(async () =>
        {
            var jobs = await system.Api.GetFromJsonAsync<System.Text.Json.JsonElement>("/jobs?page=1&page_size=50");
            var job = jobs.GetProperty("items").EnumerateArray().First(item => item.GetProperty("filename").GetString() == "large.mp4");
            return job.GetProperty("status").GetString() == "CANCELED" && job.GetProperty("submitted_at").ValueKind == System.Text.Json.JsonValueKind.Null;
        }, "the upload's job canceled, never submitted", TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_conversion_is_canceled_and_retried_on_the_page_and_a_job_deleted_from_the_list_after_a_confirmation()
    {
        var name = $"long-{Guid.NewGuid():N}.avi";
        var input = Path.Combine(_work.FullName, name);
        File.Move(await TestMedia.Mpeg4720pAsync(_work.FullName, "long.avi", seconds: 45), input);
        var page = await OpenAsync(width: 1100, height: 900);
        await page.SetInputFilesAsync("#file-input", input);

        var card = page.Locator("li.upload-card").First;
        await card.And(page.Locator("[data-status=PROCESSING]")).WaitForAsync(new() { Timeout = 120_000 });
        await card.GetByRole(AriaRole.Button, new() { Name = $"Cancel conversion of {name}" }).ClickAsync();
        await card.And(page.Locator("[data-status=CANCELED]")).WaitForAsync(new() { Timeout = 10_000 });
        Assert.Equal("CANCELED", (await card.Locator(".status").TextContentAsync())?.Trim());

        await card.GetByRole(AriaRole.Button, new() { Name = $"Retry {name}" }).ClickAsync();
        await card.And(page.Locator("[data-status=DONE]")).WaitForAsync(new() { Timeout = 180_000 });

        var row = page.Locator("table.jobs tbody tr", new() { HasText = name });
        await row.WaitForAsync(new() { Timeout = 30_000 });
        var jobId = await row.GetAttributeAsync("data-job-id");
        await row.GetByRole(AriaRole.Button, new() { Name = $"Delete {name}" }).ClickAsync();
        // Nothing is deleted before the person says yes.
        Assert.Equal(System.Net.HttpStatusCode.OK, (await system.Api.GetAsync(new Uri($"/jobs/{jobId}", UriKind.Relative))).StatusCode);
        await row.GetByRole(AriaRole.Button, new() { Name = $"Yes, delete {name}" }).ClickAsync();
        await row.WaitForAsync(new() { State = WaitForSelectorState.Detached, Timeout = 10_000 });
        using var gone = await system.Api.GetAsync(new Uri($"/jobs/{jobId}", UriKind.Relative));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, gone.StatusCode);
    }

    [Fact]
    public async Task The_account_page_adds_a_webhook_endpoint_shows_its_secret_once_and_its_deliveries()
    {
        await using var receiver = new WebhookReceiver();
        await receiver.StartAsync();
        var account = await system.CreateAccountAsync("page-hooks");
        var page = await OpenAsync(width: 1100, height: 900, account);
        await page.GotoAsync(new Uri(system.WebAddress, "/account").ToString());
        await page.Locator("#webhook-url:enabled").WaitForAsync(new() { Timeout = 30_000 });
        await page.FillAsync("#webhook-url", receiver.Url("page"));
        await page.GetByRole(AriaRole.Button, new() { Name = "Add endpoint" }).ClickAsync();

        var secret = await page.Locator("#new-webhook-secret").TextContentAsync(new() { Timeout = 10_000 });
        Assert.StartsWith("whsec_", secret, StringComparison.Ordinal);
        using var api = system.ApiClient(account.ApiKey);
        var jobId = await api.StartJobAsync(await TestMedia.MjpegAviAsync(_work.FullName, seconds: 1));
        await api.WaitForOutcomeAsync(jobId, TimeSpan.FromMinutes(3));
        await Polling.WaitUntilAsync(() => Task.FromResult(receiver.Received("page").Count >= 2), "the page's endpoint to hear of the job", TimeSpan.FromSeconds(30));

        await page.ReloadAsync();
        await page.Locator("#webhook-url:enabled").WaitForAsync(new() { Timeout = 30_000 });
        var endpointRow = page.Locator("table.webhooks tbody tr", new() { HasText = receiver.Url("page") });
        await endpointRow.WaitForAsync(new() { Timeout = 30_000 });
        Assert.DoesNotContain(secret!, await page.ContentAsync(), StringComparison.Ordinal);
        await endpointRow.GetByRole(AriaRole.Button, new() { Name = $"Recent deliveries to {receiver.Url("page")}" }).ClickAsync();
        var done = page.Locator("table.deliveries tbody tr", new() { HasText = "job.done" });
        await done.WaitForAsync(new() { Timeout = 10_000 });
        Assert.Contains("DELIVERED", await done.InnerTextAsync(), StringComparison.Ordinal);

        // Removing asks first; keeping it changes nothing, confirming removes it from the account (seen after a reload too).
        await endpointRow.GetByRole(AriaRole.Button, new() { Name = $"Remove {receiver.Url("page")}" }).ClickAsync();
        await endpointRow.GetByRole(AriaRole.Button, new() { Name = $"Keep {receiver.Url("page")}" }).ClickAsync();
        await endpointRow.GetByRole(AriaRole.Button, new() { Name = $"Remove {receiver.Url("page")}" }).ClickAsync();
        await endpointRow.GetByRole(AriaRole.Button, new() { Name = $"Yes, remove {receiver.Url("page")}" }).ClickAsync();
        await endpointRow.WaitForAsync(new() { State = WaitForSelectorState.Detached, Timeout = 10_000 });
        await page.ReloadAsync();
        await page.Locator("#webhook-url:enabled").WaitForAsync(new() { Timeout = 30_000 });
        await page.GetByText("No endpoints yet.").WaitForAsync(new() { Timeout = 10_000 });

        // Revoking a key asks first as well.
        await page.FillAsync("#key-name", "page-revoke");
        await page.PressAsync("#key-name", "Tab");
        await page.Locator("button:has-text('Create key'):enabled").ClickAsync();
        var keyRow = page.Locator("table.keys tbody tr", new() { HasText = "page-revoke" });
        await keyRow.WaitForAsync(new() { Timeout = 10_000 });
        await keyRow.GetByRole(AriaRole.Button, new() { Name = "Revoke page-revoke" }).ClickAsync();
        await keyRow.GetByRole(AriaRole.Button, new() { Name = "Keep page-revoke" }).ClickAsync();
        Assert.Contains("active", await keyRow.InnerTextAsync(), StringComparison.Ordinal);
        await keyRow.GetByRole(AriaRole.Button, new() { Name = "Revoke page-revoke" }).ClickAsync();
        await keyRow.GetByRole(AriaRole.Button, new() { Name = "Yes, revoke page-revoke" }).ClickAsync();
        await keyRow.GetByText("revoked").WaitForAsync(new() { Timeout = 10_000 });
    }

    [Fact]
    public async Task A_file_that_is_not_a_video_is_refused_before_upload_with_the_reason()
    {
        var notes = Path.Combine(_work.FullName, "notes.txt");
        await File.WriteAllTextAsync(notes, "not a video");
        var page = await OpenAsync(width: 1100, height: 900);

        await page.SetInputFilesAsync("#file-input", notes);

        var error = page.Locator("li.upload-card .error");
        await error.WaitForAsync();
        Assert.StartsWith("notes.txt is not a video file this service accepts", await error.TextContentAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await page.Locator("li.upload-card progress").CountAsync());
    }

    [Fact]
    public async Task Files_dropped_on_the_page_are_taken_like_chosen_ones()
    {
        var page = await OpenAsync(width: 1100, height: 900);

        // What a browser does when a person drops two files: a drop event carrying them.
        await page.Locator(".drop-zone").EvaluateAsync("""
            zone => {
                const files = new DataTransfer();
                files.items.add(new File(['plain text'], 'notes.txt', { type: 'text/plain' }));
                files.items.add(new File([], 'empty.mp4', { type: 'video/mp4' }));
                zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: files, bubbles: true, cancelable: true }));
                zone.dispatchEvent(new DragEvent('drop', { dataTransfer: files, bubbles: true, cancelable: true }));
            }
            """);

        await page.Locator("li.upload-card .error").Nth(1).WaitForAsync();
        var errors = await page.Locator("li.upload-card .error").AllTextContentsAsync();
        Assert.Contains("empty.mp4 is empty.", errors);
        Assert.Contains(errors, error => error.StartsWith("notes.txt is not a video file", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_page_fits_a_phone_and_its_file_picker_is_reachable_by_keyboard()
    {
        var page = await OpenAsync(width: 390, height: 844);

        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"),
            "the page scrolls sideways at phone width");

        string? focused = null;
        for (var presses = 0; presses < 6 && focused != "file-input"; presses++)
        {
            await page.Keyboard.PressAsync("Tab");
            focused = await page.EvaluateAsync<string?>("() => document.activeElement?.id");
        }

        Assert.Equal("file-input", focused);
        var label = page.Locator("label[for=file-input]");
        Assert.Equal("Choose videos", (await label.TextContentAsync())?.Trim());
        // The input itself is invisible; its label must show the keyboard focus.
        Assert.Equal("solid", await label.EvaluateAsync<string>("l => getComputedStyle(l).outlineStyle"));
        await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "upload-page-phone.png"), FullPage = true });
    }

    [Fact]
    public async Task An_anonymous_visitor_gets_the_sign_in_form_and_no_job()
    {
        var someonesJob = (await system.Api.RequestUploadAsync($"private-{Guid.NewGuid():N}.mp4")).GetProperty("job_id").GetString()!;
        var page = await _browser.NewPageAsync();

        var response = await page.GotoAsync(system.WebAddress.ToString());

        Assert.EndsWith("/signin?ReturnUrl=%2F", page.Url, StringComparison.Ordinal);
        Assert.True(response!.Ok, $"the sign-in form answered {response.Status}");
        await page.Locator("form.signin-form #user-name").WaitForAsync();
        var html = await page.ContentAsync();
        Assert.DoesNotContain("data-job-id", html, StringComparison.Ordinal);
        Assert.DoesNotContain(someonesJob, html, StringComparison.Ordinal);
        Assert.DoesNotContain("file-input", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Each_person_signed_in_sees_only_their_own_jobs()
    {
        var fileName = $"only-alice-{Guid.NewGuid():N}.mp4";
        var jobId = (await system.Api.RequestUploadAsync(fileName)).GetProperty("job_id").GetString()!;

        var alice = await OpenAsync(width: 1100, height: 900, system.Account);
        await alice.Locator($"tr[data-job-id='{jobId}']").WaitForAsync(new() { Timeout = 30_000 });
        Assert.Contains(fileName, await alice.Locator($"tr[data-job-id='{jobId}']").InnerTextAsync(), StringComparison.Ordinal);

        var bob = await OpenAsync(width: 1100, height: 900, system.OtherAccount);
        await bob.Locator("#your-jobs-heading").WaitForAsync();
        // Wait until the list has loaded (it shows a count or says there are none), then look for Alice's job.
        await bob.Locator(".recent caption, .recent p.muted:not(:has-text('Loading'))").First.WaitForAsync(new() { Timeout = 30_000 });
        var html = await bob.ContentAsync();
        Assert.DoesNotContain(jobId, html, StringComparison.Ordinal);
        Assert.DoesNotContain(fileName, html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_password_is_refused_with_the_reason_and_no_session()
    {
        var page = await _browser.NewPageAsync();
        await page.GotoAsync(system.WebAddress.ToString());
        await page.FillAsync("#user-name", system.Account.UserName);
        await page.FillAsync("#password", system.Account.Password + "-wrong");
        await page.ClickAsync("form.signin-form button[type=submit]");

        await page.Locator("[role=alert]").WaitForAsync();
        Assert.Contains("not right", await page.Locator("[role=alert]").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Contains("/signin", page.Url, StringComparison.Ordinal);
        Assert.DoesNotContain(await page.Context.CookiesAsync(), cookie => cookie.Name == "videoconversion.session");
    }

    /// <summary>Opens the page signed in as <paramref name="account"/> (the tests' account by default), through the sign-in form.</summary>
    private Task<IPage> OpenAsync(int width, int height, TestAccount? account = null) =>
        _session.OpenSignedInAsync(system.WebAddress, account ?? system.Account, width, height);

    public async Task DisposeAsync()
    {
        await _session.DisposeAsync();
        _work.Delete(recursive: true);
    }
}
