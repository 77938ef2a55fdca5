using VideoConversion.Api.Jobs;
using VideoConversion.Contracts.Messaging;
using VideoConversion.Infrastructure.Messaging;

namespace VideoConversion.UnitTests.Jobs;

public class JobStateTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    private static Job NewJob() => Job.Create("0123456789abcdef0123456789abcdef", "clip.mov", "video/quicktime", "0123456789abcdef0123456789abcdef.mov", T0, T0.AddMinutes(10));

    private static JobReport Report(JobReportKind kind, int progress = 0, string? error = null, int seconds = 1) =>
        new("0123456789abcdef0123456789abcdef", kind, progress, T0.AddSeconds(seconds), error);

    [Fact]
    public void A_new_job_awaits_its_upload()
    {
        var job = NewJob();
        Assert.Equal(JobStatus.AwaitingUpload, job.Status);
        Assert.Equal(0, job.Progress);
    }

    [Fact]
    public void Submitting_an_uploaded_job_makes_it_pending_once()
    {
        var job = NewJob();
        Assert.Equal(SubmitOutcome.Submitted, job.Submit(1234, "etag", T0.AddSeconds(5)));
        Assert.Equal(JobStatus.Pending, job.Status);
        Assert.Equal(1234, job.InputBytes);
        Assert.Equal(SubmitOutcome.AlreadySubmitted, job.Submit(1234, "etag", T0.AddSeconds(6)));
        Assert.Equal(T0.AddSeconds(5), job.SubmittedAt);
    }

    [Fact]
    public void A_failed_job_cannot_be_submitted_again()
    {
        var job = NewJob();
        job.Submit(1, "etag", T0);
        job.Apply(Report(JobReportKind.Failed, error: "broken"));
        Assert.Equal(SubmitOutcome.NotSubmittable, job.Submit(1, "etag", T0.AddSeconds(9)));
        Assert.Equal(JobStatus.Failed, job.Status);
    }

    [Fact]
    public void Reports_for_a_job_that_was_never_submitted_are_ignored()
    {
        var job = NewJob();
        Assert.False(job.Apply(Report(JobReportKind.Done)));
        Assert.Equal(JobStatus.AwaitingUpload, job.Status);
    }

    [Fact]
    public void Progress_moves_a_pending_job_to_processing_and_records_the_start()
    {
        var job = NewJob();
        job.Submit(1, "etag", T0);
        Assert.True(job.Apply(Report(JobReportKind.Processing, 42, seconds: 3)));
        Assert.Equal(JobStatus.Processing, job.Status);
        Assert.Equal(42, job.Progress);
        Assert.Equal(T0.AddSeconds(3), job.StartedAt);
    }

    [Fact]
    public void Progress_never_shows_100_before_the_job_is_done()
    {
        var job = NewJob();
        job.Submit(1, "etag", T0);
        job.Apply(Report(JobReportKind.Processing, 100));
        Assert.Equal(99, job.Progress);
    }

    [Fact]
    public void Done_sets_full_progress_finish_time_and_output_size()
    {
        var job = NewJob();
        job.Submit(1, "etag", T0);
        job.Apply(Report(JobReportKind.Processing, 50, seconds: 2));
        Assert.True(job.Apply(new JobReport(job.Id, JobReportKind.Done, 100, T0.AddSeconds(9), OutputBytes: 777)));
        Assert.Equal(JobStatus.Done, job.Status);
        Assert.Equal(100, job.Progress);
        Assert.Equal(T0.AddSeconds(9), job.FinishedAt);
        Assert.Equal(777, job.OutputBytes);
        Assert.Equal(T0.AddSeconds(2), job.StartedAt);
    }

    [Theory]
    [InlineData(JobReportKind.Processing)]
    [InlineData(JobReportKind.Failed)]
    [InlineData(JobReportKind.Done)]
    public void Nothing_overwrites_a_done_job(JobReportKind lateReport)
    {
        var job = NewJob();
        job.Submit(1, "etag", T0);
        job.Apply(Report(JobReportKind.Done, 100, seconds: 5));
        var version = job.Version;

        Assert.False(job.Apply(Report(lateReport, 10, "late", seconds: 6)));
        Assert.Equal(JobStatus.Done, job.Status);
        Assert.Equal(100, job.Progress);
        Assert.Null(job.Error);
        Assert.Equal(version, job.Version);
    }

    [Fact]
    public void A_late_progress_report_does_not_revive_a_failed_job()
    {
        var job = NewJob();
        job.Submit(1, "etag", T0);
        job.Apply(Report(JobReportKind.Failed, error: "The file has no video stream."));
        Assert.False(job.Apply(Report(JobReportKind.Processing, 30, seconds: 8)));
        Assert.Equal(JobStatus.Failed, job.Status);
        Assert.Equal("The file has no video stream.", job.Error);
    }

    [Fact]
    public void A_failure_without_a_reason_still_gets_a_readable_error()
    {
        var job = NewJob();
        job.Submit(1, "etag", T0);
        job.Apply(Report(JobReportKind.Failed, error: " "));
        Assert.Equal(Job.DefaultFailureMessage, job.Error);
    }

    [Fact]
    public void The_attempt_count_and_conversion_method_are_recorded()
    {
        var job = NewJob();
        job.Submit(1, "etag", T0);
        job.Apply(Report(JobReportKind.Processing, 10) with { Attempt = 1 });
        job.Apply(Report(JobReportKind.Processing, 5, seconds: 2) with { Attempt = 2 });
        Assert.Equal(2, job.Attempts);

        job.Apply(Report(JobReportKind.Done, 100, seconds: 3) with { Attempt = 2, ConversionMethod = "remux" });
        Assert.Equal(("remux", 2), (job.ConversionMethod, job.Attempts));
    }

    [Fact]
    public void Progress_from_an_earlier_attempt_does_not_overwrite_the_current_one()
    {
        var job = NewJob();
        job.Submit(1, "etag", T0);
        job.Apply(Report(JobReportKind.Processing, 5, seconds: 2) with { Attempt = 2 });

        Assert.False(job.Apply(Report(JobReportKind.Processing, 60, seconds: 3) with { Attempt = 1 }));
        Assert.Equal(5, job.Progress);
    }

    [Fact]
    public void A_processing_job_without_reports_for_a_while_shows_as_stalled()
    {
        var job = NewJob();
        job.Submit(1, "etag", T0);
        job.Apply(Report(JobReportKind.Processing, 40, seconds: 10));
        var stalledAfter = TimeSpan.FromMinutes(2);

        Assert.False(job.IsStalled(T0.AddSeconds(10) + stalledAfter, stalledAfter));
        Assert.True(job.IsStalled(T0.AddSeconds(11) + stalledAfter, stalledAfter));
        job.Apply(Report(JobReportKind.Done, 100, seconds: 500));
        Assert.False(job.IsStalled(T0.AddHours(1), stalledAfter));
    }

    [Fact]
    public void Every_change_bumps_the_concurrency_version()
    {
        var job = NewJob();
        var before = job.Version;
        job.Submit(1, "etag", T0);
        Assert.True(job.Version > before);
    }

    [Fact]
    public void A_retried_attempt_puts_the_job_back_to_pending_and_an_older_attempts_retry_is_stale()
    {
        var job = NewJob();
        job.Submit(1, "etag", T0);
        job.Apply(Report(JobReportKind.Processing, 40) with { Attempt = 1 });
        Assert.True(job.Apply(Report(JobReportKind.Retrying) with { Attempt = 1, Cause = VideoConversion.Contracts.Jobs.FailureCause.OutOfMemory }));
        Assert.Equal((JobStatus.Pending, 0), (job.Status, job.Progress));

        job.Apply(Report(JobReportKind.Processing, 10, seconds: 20) with { Attempt = 2 });
        Assert.False(job.Apply(Report(JobReportKind.Retrying, seconds: 21) with { Attempt = 1 }));
        Assert.Equal(JobStatus.Processing, job.Status);
    }

    [Fact]
    public void Silence_is_measured_by_the_apis_clock_not_the_workers()
    {
        var job = NewJob();
        job.Submit(1, "etag", T0);
        // The worker's clock is ten minutes behind; the API received the report at T0 + 5 s.
        job.Apply(new JobReport(job.Id, JobReportKind.Processing, 5, T0.AddMinutes(-10), Attempt: 1), T0.AddSeconds(5));
        Assert.False(job.IsStalled(T0.AddMinutes(1), TimeSpan.FromMinutes(2)));
        Assert.True(job.IsStalled(T0.AddMinutes(3), TimeSpan.FromMinutes(2)));
    }

    [Fact]
    public void Only_a_processing_job_is_requeued()
    {
        var job = NewJob();
        Assert.False(job.Requeue(T0));
        job.Submit(1, "etag", T0);
        Assert.False(job.Requeue(T0));
        job.Apply(Report(JobReportKind.Processing, 30) with { Attempt = 1 });
        Assert.True(job.Requeue(T0.AddMinutes(5)));
        Assert.Equal((JobStatus.Pending, 0, (DateTimeOffset?)null), (job.Status, job.Progress, job.QueuedAt));
        job.Apply(Report(JobReportKind.Done, seconds: 400) with { Attempt = 2 });
        Assert.False(job.Requeue(T0.AddMinutes(10)));
    }

    [Fact]
    public void An_upload_that_never_came_expires_says_so_and_can_no_longer_be_submitted_or_reported_on()
    {
        var job = NewJob();

        Assert.True(job.ExpireUpload(T0.AddMinutes(30)));

        Assert.Equal(JobStatus.Expired, job.Status);
        Assert.True(job.IsFinished);
        Assert.Equal(Job.UploadExpiredMessage, job.Error);
        Assert.Equal(T0.AddMinutes(30), job.FinishedAt);
        Assert.Equal(SubmitOutcome.NotSubmittable, job.Submit(1, "etag", T0.AddMinutes(31)));
        Assert.False(job.Apply(Report(JobReportKind.Done, seconds: 2000)));
        Assert.False(job.ExpireUpload(T0.AddMinutes(32)));
    }

    [Fact]
    public void An_upload_stored_but_never_submitted_expires_with_its_own_reason()
    {
        var job = NewJob();
        Assert.True(job.ExpireUpload(T0.AddMinutes(30), uploaded: true));
        Assert.Equal(Job.NeverSubmittedMessage, job.Error);
    }

    [Fact]
    public void Only_a_submitted_job_expires_its_output_and_only_a_finished_one_forgets_its_input()
    {
        var waiting = NewJob();
        Assert.False(waiting.ExpireOutput(T0));
        Assert.False(waiting.ForgetInput(T0));

        var done = NewJob();
        done.Submit(1, "etag", T0);
        Assert.False(done.ForgetInput(T0.AddSeconds(1)));
        Assert.False(done.ExpireOutput(T0.AddSeconds(1)));
        Assert.True(done.Apply(Report(JobReportKind.Done, seconds: 10)));

        Assert.False(done.InputRemovalPending);
        Assert.True(done.ForgetInput(T0.AddDays(1)));
        Assert.True(done.InputRemovalPending, "a claimed input is removed until storage confirms it");
        Assert.False(done.ForgetInput(T0.AddDays(2)));
        Assert.False(done.ForgetOutput(T0.AddDays(2)));
        Assert.True(done.ExpireOutput(T0.AddDays(30)));
        Assert.Equal(JobStatus.Expired, done.Status);
        Assert.True(done.ForgetOutput(T0.AddDays(30)));
        Assert.False(done.ForgetOutput(T0.AddDays(31)));
        Assert.Equal(T0.AddDays(1), done.InputDeletedAt);
        Assert.Equal(T0.AddDays(30), done.OutputDeletedAt);
    }
}
