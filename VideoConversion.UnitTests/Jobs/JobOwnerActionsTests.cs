using VideoConversion.Api.Jobs;
using VideoConversion.Contracts.Messaging;

namespace VideoConversion.UnitTests.Jobs;

/// <summary>What an owner does to a job after creating it, as the job's state machine allows it: cancel, retry, delete.</summary>
public sealed class JobOwnerActionsTests
{
    private const string Id = "0123456789abcdef0123456789abcdef";
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);

    private static Job NewJob() => Job.Create(Id, "clip.mov", "video/quicktime", Id + ".mov", T0, T0.AddMinutes(10));

    private static Job Submitted()
    {
        var job = NewJob();
        job.Submit(1000, "etag", T0.AddSeconds(1));
        return job;
    }

    private static JobReport Report(JobReportKind kind, int attempt = 1, int run = 0, int progress = 0) =>
        new(Id, kind, progress, T0.AddSeconds(5), kind == JobReportKind.Failed ? "broken" : null, Attempt: attempt, Run: run);

    [Fact]
    public void A_job_awaiting_its_upload_is_canceled_with_no_worker_to_tell()
    {
        var job = NewJob();

        Assert.Equal(CancelOutcome.Canceled, job.Cancel(T0.AddSeconds(2)));
        Assert.Equal(JobStatus.Canceled, job.Status);
        Assert.Equal(T0.AddSeconds(2), job.FinishedAt);
        Assert.Equal(SubmitOutcome.NotSubmittable, job.Submit(1000, "etag", T0.AddSeconds(3)));
    }

    [Fact]
    public void A_pending_or_processing_job_is_canceled_and_the_workers_must_hear_of_it()
    {
        var pending = Submitted();
        Assert.Equal(CancelOutcome.CanceledWithWorkers, pending.Cancel(T0.AddSeconds(2)));

        var processing = Submitted();
        processing.Apply(Report(JobReportKind.Processing, progress: 40));
        Assert.Equal(CancelOutcome.CanceledWithWorkers, processing.Cancel(T0.AddSeconds(9)));
        Assert.Equal(JobStatus.Canceled, processing.Status);
    }

    [Fact]
    public void Canceling_twice_changes_nothing_and_a_finished_job_cannot_be_canceled()
    {
        var job = Submitted();
        job.Cancel(T0.AddSeconds(2));
        var version = job.Version;
        Assert.Equal(CancelOutcome.AlreadyCanceled, job.Cancel(T0.AddSeconds(3)));
        Assert.Equal(version, job.Version);

        foreach (var outcome in new[] { JobReportKind.Done, JobReportKind.Failed })
        {
            var finished = Submitted();
            finished.Apply(Report(outcome));
            Assert.Equal(CancelOutcome.AlreadyFinished, finished.Cancel(T0.AddSeconds(9)));
            Assert.NotEqual(JobStatus.Canceled, finished.Status);
        }
    }

    [Fact]
    public void A_canceled_job_takes_no_report_of_the_worker_that_was_stopped()
    {
        var job = Submitted();
        job.Apply(Report(JobReportKind.Processing, progress: 40));
        job.Cancel(T0.AddSeconds(3));

        Assert.False(job.Apply(Report(JobReportKind.Done)));
        Assert.False(job.Apply(Report(JobReportKind.Processing, progress: 60)));
        Assert.Equal(JobStatus.Canceled, job.Status);
    }

    [Fact]
    public void A_failed_or_canceled_job_is_retried_as_a_fresh_run()
    {
        var job = Submitted();
        job.Apply(Report(JobReportKind.Failed, attempt: 3));

        Assert.Equal(RetryOutcome.Retried, job.Retry(T0.AddMinutes(1)));
        Assert.Equal(JobStatus.Pending, job.Status);
        Assert.Equal(1, job.Runs);
        Assert.Equal(0, job.Attempts);
        Assert.Null(job.Error);
        Assert.Null(job.FinishedAt);
        Assert.Null(job.QueuedAt);

        job.Cancel(T0.AddMinutes(2));
        Assert.Equal(RetryOutcome.Retried, job.Retry(T0.AddMinutes(3)));
        Assert.Equal(2, job.Runs);
    }

    [Fact]
    public void A_retried_job_ignores_the_reports_of_its_earlier_runs()
    {
        var job = Submitted();
        job.Apply(Report(JobReportKind.Failed, attempt: 3));
        job.Retry(T0.AddMinutes(1));

        Assert.False(job.Apply(Report(JobReportKind.Processing, attempt: 3, run: 0, progress: 50)));
        Assert.False(job.Apply(Report(JobReportKind.Done, attempt: 3, run: 0)));
        Assert.Equal(JobStatus.Pending, job.Status);
        Assert.True(job.Apply(Report(JobReportKind.Processing, attempt: 1, run: 1, progress: 10)));
        Assert.True(job.Apply(Report(JobReportKind.Done, attempt: 1, run: 1)));
        Assert.Equal(JobStatus.Done, job.Status);
    }

    [Fact]
    public void Only_a_failed_or_canceled_job_with_its_input_kept_can_be_retried()
    {
        var running = Submitted();
        Assert.Equal(RetryOutcome.NotRetryable, running.Retry(T0.AddSeconds(5)));
        Assert.Equal(JobStatus.Pending, running.Status);

        var done = Submitted();
        done.Apply(Report(JobReportKind.Done));
        Assert.Equal(RetryOutcome.NotRetryable, done.Retry(T0.AddSeconds(9)));

        var neverUploaded = NewJob();
        neverUploaded.Cancel(T0.AddSeconds(2));
        Assert.Equal(RetryOutcome.InputGone, neverUploaded.Retry(T0.AddSeconds(3)));

        var inputRemoved = Submitted();
        inputRemoved.Apply(Report(JobReportKind.Failed));
        inputRemoved.ForgetInput(T0.AddDays(1));
        Assert.Equal(RetryOutcome.InputGone, inputRemoved.Retry(T0.AddDays(2)));
        Assert.Equal(JobStatus.Failed, inputRemoved.Status);
    }

    [Fact]
    public void A_deleted_job_keeps_no_file_name_and_records_its_files_gone_once()
    {
        var job = Submitted();
        job.Cancel(T0.AddSeconds(2));
        job.Delete(T0.AddSeconds(2));

        Assert.Equal("", job.FileName);
        Assert.Equal(T0.AddSeconds(2), job.DeletedAt);
        Assert.True(job.ForgetFiles(T0.AddSeconds(3)));
        Assert.False(job.ForgetFiles(T0.AddSeconds(4)));
        Assert.Equal(T0.AddSeconds(3), job.InputDeletedAt);
        Assert.Equal(T0.AddSeconds(3), job.OutputDeletedAt);

        var kept = Submitted();
        Assert.False(kept.ForgetFiles(T0.AddSeconds(3)));
    }

    [Fact]
    public void A_deleted_job_from_a_url_keeps_no_url_which_may_carry_its_owners_token()
    {
        var job = Job.CreateFromUrl(Id, "clip.mp4", Id + ".mp4", "https://videos.example.com/clip.mp4?token=secret", T0, null, "owner", null);
        job.Cancel(T0.AddSeconds(1));
        job.Delete(T0.AddSeconds(2));

        Assert.Null(job.InputUrl);
        Assert.Equal("", job.FileName);
    }
}
