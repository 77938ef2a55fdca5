using Bunit;
using VideoConversion.Web.Components.Jobs;
using VideoConversion.Web.Components.Uploads;
using VideoConversion.Web.Jobs;
using VideoConversion.Web.Uploads;

namespace VideoConversion.UnitTests.Web;

/// <summary>Every state a file and its job can be in on the page, rendered as a person sees it.</summary>
public sealed class UploadComponentTests : BunitContext
{
    private static readonly DateTimeOffset Created = new(2026, 11, 29, 10, 0, 0, TimeSpan.Zero);

    private static JobSummary Job(string status, int progress = 0, string? error = null, bool stalled = false) => new(
        "job-1", status, progress, Created, null, status is "DONE" or "FAILED" ? Created.AddMinutes(1) : null, error,
        status == "DONE" ? "http://storage.example/output/job-1.mp4?X-Amz-Signature=abc" : null, "holiday.mov",
        InputBytes: 12_000_000, OutputBytes: status == "DONE" ? 3_000_000 : null, Stalled: stalled);

    private IRenderedComponent<UploadCard> Card(UploadItem item) => Render<UploadCard>(parameters => parameters.Add(card => card.Item, item));

    [Fact]
    public void A_rejected_file_says_why_and_offers_no_progress()
    {
        var item = new UploadItem("a", "notes.txt", 10) { Stage = UploadStage.Rejected, Error = "notes.txt is not a video file this service accepts." };
        var card = Card(item);

        Assert.Equal("notes.txt is not a video file this service accepts.", card.Find(".error").TextContent);
        Assert.Empty(card.FindAll("progress"));
    }

    [Fact]
    public void An_upload_shows_percent_bytes_speed_and_time_left_and_can_be_cancelled()
    {
        UploadItem? cancelled = null;
        var item = new UploadItem("a", "holiday.mov", 1_000_000_000)
        {
            Transfer = new TransferProgress(250_000_000, 1_000_000_000, TimeSpan.FromSeconds(10)),
        };
        var card = Render<UploadCard>(parameters => parameters
            .Add(card => card.Item, item)
            .Add(card => card.OnCancel, (UploadItem target) => cancelled = target));

        Assert.Equal("25", card.Find("progress").GetAttribute("value"));
        Assert.Equal("Uploading: 25%", card.Find("label.progress-label").TextContent);
        var transfer = card.Find(".transfer").TextContent;
        Assert.Contains("250 MB of 1 GB", transfer, StringComparison.Ordinal);
        Assert.Contains("25 MB/s", transfer, StringComparison.Ordinal);
        Assert.Contains("30 s left", transfer, StringComparison.Ordinal);

        card.Find("button").Click();
        Assert.Same(item, cancelled);
    }

    [Fact]
    public void An_upload_in_parts_can_be_paused_and_resumed_and_says_when_a_part_is_sent_again()
    {
        UploadItem? paused = null;
        UploadItem? resumed = null;
        var item = new UploadItem("a", "holiday.mov", 1_000_000_000)
        {
            IsMultipart = true,
            Transfer = new TransferProgress(250_000_000, 1_000_000_000, TimeSpan.FromSeconds(10)),
            Waiting = "Part 3: the connection to storage failed. Trying again in 2 s.",
        };
        var card = Render<UploadCard>(parameters => parameters
            .Add(card => card.Item, item)
            .Add(card => card.OnPause, (UploadItem target) => paused = target)
            .Add(card => card.OnResume, (UploadItem target) => resumed = target));

        Assert.Equal("Part 3: the connection to storage failed. Trying again in 2 s.", card.Find(".waiting").TextContent);
        card.Find("button:contains('Pause upload of holiday.mov')").Click();
        Assert.Same(item, paused);

        item.Paused = true;
        card.Render();
        Assert.Equal("Paused: 25%", card.Find("label.progress-label").TextContent);
        // No speed or time left while nothing is sent, and no retry notice.
        Assert.DoesNotContain("MB/s", card.Find(".transfer").TextContent, StringComparison.Ordinal);
        Assert.Empty(card.FindAll(".waiting"));
        card.Find("button:contains('Resume upload of holiday.mov')").Click();
        Assert.Same(item, resumed);
    }

    [Fact]
    public void A_single_put_upload_has_no_pause()
    {
        var card = Card(new UploadItem("a", "holiday.mov", 10_000_000));
        Assert.DoesNotContain(card.FindAll("button"), button => button.TextContent.StartsWith("Pause", StringComparison.Ordinal));
    }

    [Fact]
    public void A_cancelled_upload_says_so()
    {
        var card = Card(new UploadItem("a", "holiday.mov", 10) { Stage = UploadStage.Cancelled });
        Assert.Equal("Upload cancelled.", card.Find("p").TextContent);
    }

    [Fact]
    public void A_failed_upload_shows_its_reason()
    {
        var card = Card(new UploadItem("a", "holiday.mov", 10) { Stage = UploadStage.Failed, Error = "The upload failed: the connection to storage failed. Please try again." });
        Assert.Contains("connection to storage failed", card.Find(".error").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public void A_finished_upload_shows_that_the_job_is_starting()
    {
        var card = Card(new UploadItem("a", "holiday.mov", 10) { Stage = UploadStage.Starting });
        Assert.Equal("Uploaded. Starting the conversion…", card.Find(".status").TextContent);
    }

    [Fact]
    public void A_pending_job_waits_for_a_worker()
    {
        var card = Card(new UploadItem("a", "holiday.mov", 10) { Stage = UploadStage.Converting, Job = Job("PENDING") });
        Assert.StartsWith("PENDING", card.Find(".status").TextContent, StringComparison.Ordinal);
        Assert.Equal("PENDING", card.Find("li").GetAttribute("data-status"));
    }

    [Fact]
    public void A_processing_job_shows_its_conversion_progress_and_a_stall()
    {
        var card = Card(new UploadItem("a", "holiday.mov", 10) { Stage = UploadStage.Converting, Job = Job("PROCESSING", 42, stalled: true) });
        Assert.Equal("PROCESSING 42%", card.Find("label.progress-label").TextContent);
        Assert.Equal("42", card.Find("progress").GetAttribute("value"));
        Assert.Contains("No word from the worker", card.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public void A_done_job_plays_inline_with_sizes_and_a_download_link()
    {
        var card = Card(new UploadItem("a", "holiday.mov", 12_000_000) { Stage = UploadStage.Converting, Job = Job("DONE") });

        var video = card.Find("video");
        Assert.Equal("http://storage.example/output/job-1.mp4?X-Amz-Signature=abc", video.GetAttribute("src"));
        Assert.True(video.HasAttribute("controls"));
        Assert.Contains("12 MB before, 3 MB after.", card.Find(".sizes").TextContent, StringComparison.Ordinal);
        var download = card.Find("a[download]");
        Assert.Equal(("holiday.mp4", video.GetAttribute("src")), (download.GetAttribute("download"), download.GetAttribute("href")));
    }

    [Fact]
    public void A_failed_job_shows_the_reason_and_no_player()
    {
        var card = Card(new UploadItem("a", "holiday.mov", 10) { Stage = UploadStage.Converting, Job = Job("FAILED", error: "The file is empty.") });
        Assert.Equal("FAILED", card.Find(".status").TextContent);
        Assert.Equal("The file is empty.", card.Find(".error").TextContent);
        Assert.Empty(card.FindAll("video"));
    }

    [Fact]
    public void Your_jobs_shows_loading_empty_unavailable_and_jobs()
    {
        Assert.Contains("Loading", Render<YourJobs>().Markup, StringComparison.Ordinal);
        Assert.Contains("No jobs yet.", Render<YourJobs>(p => p.Add(r => r.Page, new JobPage([], 1, 20, 0))).Markup, StringComparison.Ordinal);
        Assert.Equal("The job list is unavailable: connection refused",
            Render<YourJobs>(p => p.Add(r => r.Error, "connection refused")).Find("[role=alert]").TextContent);

        var list = Render<YourJobs>(p => p.Add(r => r.Page, new JobPage([Job("DONE"), Job("PROCESSING", 7) with { JobId = "job-2" }], 1, 20, 2)));
        var rows = list.FindAll("tbody tr");
        Assert.Equal(2, rows.Count);
        Assert.Equal("Download MP4", rows[0].QuerySelector("a")!.TextContent);
        Assert.Equal("PROCESSING 7%", rows[1].Children[2].TextContent);
        Assert.Equal("Your jobs", list.Find("h2").TextContent);
    }

    [Fact]
    public void A_done_job_with_a_stream_plays_it_through_the_pages_playback_path_with_its_poster()
    {
        JSInterop.Mode = JSRuntimeMode.Loose;
        var outputs = new JobOutputsSummary(
            new HlsSummary("http://api.internal:8080/playback/job-1/123-abc/hls/master.m3u8"),
            new PosterSummary("http://storage.example/output/job-1/poster.jpg?X-Amz-Signature=def", 1280, 720),
            new StoryboardSummary("http://api.internal:8080/playback/job-1/123-abc/storyboard.vtt"));
        var done = Job("DONE") with { Outputs = outputs };
        var card = Card(new UploadItem("a", "holiday.mov", 10) { Stage = UploadStage.Converting, Job = done });

        Assert.NotNull(card.Find(".player select.quality"));
        var attach = JSInterop.VerifyInvoke("attach");
        var sources = attach.Arguments[1]!;
        Assert.Equal("/playback/job-1/123-abc/hls/master.m3u8", sources.GetType().GetProperty("hls")!.GetValue(sources));
        Assert.Equal("/playback/job-1/123-abc/storyboard.vtt", sources.GetType().GetProperty("storyboard")!.GetValue(sources));
        Assert.Equal(outputs.Poster!.Url, sources.GetType().GetProperty("poster")!.GetValue(sources));
        Assert.Equal("Download MP4", card.Find(".sizes a").TextContent);

        var list = Render<YourJobs>(p => p.Add(r => r.Page, new JobPage([done, Job("PROCESSING", 7) with { JobId = "job-2" }], 1, 20, 2)));
        Assert.Equal(outputs.Poster.Url, list.Find("tbody tr img.poster").GetAttribute("src"));
        Assert.Single(list.FindAll("img.poster"));
    }

    [Fact]
    public void An_expired_job_says_so_offers_nothing_to_download_and_is_no_longer_followed()
    {
        var item = new UploadItem("a", "holiday.mov", 10) { Stage = UploadStage.Converting, Job = Job("EXPIRED", error: "The upload did not arrive in time.") };
        var card = Card(item);

        Assert.Equal("EXPIRED", card.Find(".status").TextContent);
        Assert.Equal("The upload did not arrive in time.", card.Find(".status + .muted").TextContent);
        Assert.Empty(card.FindAll("video"));
        Assert.Empty(card.FindAll("a[download]"));
        Assert.False(item.NeedsStatus);
    }

    [Fact]
    public void A_done_jobs_download_link_is_renewed_a_minute_before_it_expires()
    {
        var now = DateTimeOffset.Parse("2026-11-30T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
        var fresh = new UploadItem("a", "holiday.mov", 10) { Stage = UploadStage.Converting, Job = Job("DONE") with { OutputUrlExpiresAt = now.AddMinutes(14) } };
        var expiring = new UploadItem("b", "holiday.mov", 10) { Stage = UploadStage.Converting, Job = Job("DONE") with { OutputUrlExpiresAt = now.AddSeconds(50) } };

        Assert.False(fresh.NeedsNewLink(now));
        Assert.True(expiring.NeedsNewLink(now));
    }

    [Fact]
    public void Your_jobs_pages_through_older_and_newer_jobs()
    {
        int? asked = null;
        var middle = Render<YourJobs>(p => p
            .Add(r => r.Page, new JobPage([Job("DONE"), Job("FAILED") with { JobId = "job-2" }], 2, 2, 5))
            .Add(r => r.OnPageChange, page => asked = page));

        Assert.Equal("Jobs 3–4 of 5, newest first", middle.Find("caption").TextContent);
        Assert.Equal("Page 2 of 3", middle.Find(".pager span").TextContent);
        var (newer, older) = (middle.FindAll(".pager button")[0], middle.FindAll(".pager button")[1]);
        Assert.False(newer.HasAttribute("disabled"));
        older.Click();
        Assert.Equal(3, asked);
        middle.FindAll(".pager button")[0].Click();
        Assert.Equal(1, asked);

        var last = Render<YourJobs>(p => p.Add(r => r.Page, new JobPage([Job("DONE")], 3, 2, 5)));
        Assert.True(last.FindAll(".pager button")[1].HasAttribute("disabled"));
        var first = Render<YourJobs>(p => p.Add(r => r.Page, new JobPage([Job("DONE")], 1, 2, 5)));
        Assert.True(first.FindAll(".pager button")[0].HasAttribute("disabled"));
    }
}
