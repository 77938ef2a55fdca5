using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using VideoConversion.Api.Data;
using VideoConversion.Api.Jobs;
using VideoConversion.Api.Messaging;
using VideoConversion.Api.Quotas;
using VideoConversion.Api.Storage;
using VideoConversion.Api.Telemetry;
using VideoConversion.Api.Uploads;
using VideoConversion.Api.Webhooks;
using VideoConversion.Contracts.Outputs;
using VideoConversion.Infrastructure.Storage;
using VideoConversion.UnitTests.Data;

namespace VideoConversion.UnitTests.Jobs;

/// <summary>
/// A submission written by its own statements (<see cref="SubmissionStatements"/>) leaves the database as EF's SaveChanges
/// would have, and a job changed since it was read is not written at all. On a real SQLite file, through the database writer.
/// </summary>
public sealed class SubmissionStatementsTests : IDisposable
{
    private static readonly DateTimeOffset Created = DateTimeOffset.UnixEpoch.AddDays(20_000);

    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("videoconversion-submission-statements-");

    public void Dispose() => _work.Delete(recursive: true);

    [Fact]
    public async Task A_submission_changes_no_column_its_statements_leave_out_and_announces_no_webhook_event()
    {
        await using var db = new JobsDbContext(MigratedDatabase.Options(await MigratedDatabase.CreateAsync(_work, Created, "j_tracked")), new DatabaseWriteGate());
        var job = await db.Jobs.SingleAsync(j => j.Id == "j_tracked");

        // Everything a submission through POST /jobs may change: outputs chosen, then the upload's size and ETag.
        Assert.True(job.ChooseOutputs([OutputKinds.Mp4, OutputKinds.Poster], Created.AddMinutes(1)));
        Assert.Equal(SubmitOutcome.Submitted, job.Submit(1234, "\"etag\"", Created.AddMinutes(2)));
        db.ChangeTracker.DetectChanges();

        var changed = db.Entry(job).Properties.Where(property => property.IsModified).Select(property => property.Metadata.Name).ToList();
        Assert.Contains(nameof(Job.Status), changed);
        Assert.Empty(changed.Except(SubmissionStatements.JobColumns));
        // The webhook recorder runs inside SaveChanges only; a move to PENDING gives it nothing to record.
        Assert.Null(WebhookEventTypes.For(JobStatus.Pending));
    }

    [Fact]
    public async Task The_statements_write_what_SaveChanges_writes_and_nothing_for_a_job_changed_since_it_was_read()
    {
        var file = await MigratedDatabase.CreateAsync(_work, Created, "j_by_ef", "j_by_statements", "j_changed");
        await MigratedDatabase.WithWriterAsync(file, async writer =>
        {
            await writer.WriteAsync(async (db, cancellationToken) =>
            {
                var job = await JobLookup.ForChangeAsync(db, "j_by_ef", cancellationToken);
                db.Outbox.Add(Submit(job!));
                return await db.SaveChangesAsync(cancellationToken);
            }, CancellationToken.None);

            await writer.WriteAsync(async (db, cancellationToken) =>
            {
                var job = (await JobLookup.ForStatementAsync(db, "j_by_statements", cancellationToken))!;
                var readVersion = job.Version;
                Assert.True(await SubmissionStatements.TryWriteAsync(db, job, readVersion, Submit(job), cancellationToken));
                Assert.Empty(db.ChangeTracker.Entries()); // nothing left for a SaveChanges to write again
                return 0;
            }, CancellationToken.None);

            // Read, then changed by another write (its upload recorded) before its submission is written.
            var stale = await writer.WriteAsync((db, cancellationToken) => JobLookup.ForStatementAsync(db, "j_changed", cancellationToken), CancellationToken.None);
            await writer.WriteAsync(async (db, cancellationToken) =>
            {
                var job = await JobLookup.ForChangeAsync(db, "j_changed", cancellationToken);
                Assert.True(job!.RecordUpload(99, "\"other\"", Created.AddMinutes(1)));
                return await db.SaveChangesAsync(cancellationToken);
            }, CancellationToken.None);
            var readVersion = stale!.Version;
            var message = Submit(stale);
            Assert.False(await writer.WriteAsync(
                (db, cancellationToken) => SubmissionStatements.TryWriteAsync(db, stale, readVersion, message, cancellationToken), CancellationToken.None));
        });

        await using var check = new JobsDbContext(MigratedDatabase.Options(file), new DatabaseWriteGate());
        var jobs = await check.Jobs.ToDictionaryAsync(job => job.Id);
        var byEf = check.Entry(jobs["j_by_ef"]).Properties.ToDictionary(property => property.Metadata.Name, property => property.CurrentValue);
        var byStatements = check.Entry(jobs["j_by_statements"]).Properties.ToDictionary(property => property.Metadata.Name, property => property.CurrentValue);
        foreach (var (name, value) in byEf.Where(property => property.Key is not (nameof(Job.Id) or nameof(Job.InputKey) or nameof(Job.OwnerId))))
        {
            Assert.True(Equals(value, byStatements[name]), $"{name}: SaveChanges wrote {value}, the statements {byStatements[name]}.");
        }

        Assert.Equal(JobStatus.Pending, jobs["j_by_statements"].Status);
        var usage = await check.AccountUsage.ToDictionaryAsync(totals => totals.OwnerId);
        Assert.Equal((1, 1234L), (usage["owner-j_by_statements"].ActiveJobs, usage["owner-j_by_statements"].StoredBytes));
        Assert.Equal(
            (usage["owner-j_by_ef"].ActiveJobs, usage["owner-j_by_ef"].StoredBytes),
            (usage["owner-j_by_statements"].ActiveJobs, usage["owner-j_by_statements"].StoredBytes));
        Assert.Equal(JobStatus.AwaitingUpload, jobs["j_changed"].Status);

        var messages = await check.Outbox.OrderBy(message => message.Id).ToListAsync();
        Assert.Equal(["j_by_ef", "j_by_statements"], messages.Select(message => message.JobId));
        Assert.Equal(
            (messages[0].Queue, messages[0].CreatedAt, messages[0].TraceParent, messages[0].Attempts, messages[0].LastError),
            (messages[1].Queue, messages[1].CreatedAt, messages[1].TraceParent, messages[1].Attempts, messages[1].LastError));
        Assert.Equal(
            Encoding.UTF8.GetString(messages[0].Payload).Replace("j_by_ef", "{job}"),
            Encoding.UTF8.GetString(messages[1].Payload).Replace("j_by_statements", "{job}"));
    }

    [Fact]
    public async Task A_submission_from_a_read_that_went_stale_is_decided_again_on_the_job_as_it_is()
    {
        var file = await MigratedDatabase.CreateAsync(_work, Created, "j_recorded", "j_canceled");
        await using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        using var webhooks = new WebhookSignal();
        using var outbox = new OutboxSignal();
        var writer = MigratedDatabase.Writer(file, services, webhooks);
        var uploads = Microsoft.Extensions.Options.Options.Create(new UploadOptions());
        // Storage is never asked on this path (the uploads are fresh and fit): a client of an address nothing serves.
        var nowhere = new StorageConnection(new Uri("http://127.0.0.1:9"), "unused", "unused");
        var acceptance = new UploadAcceptance(
            writer, new VideoStorage(ObjectStorageExtensions.CreateClient(nowhere.Endpoint, nowhere), nowhere, uploads, TimeProvider.System),
            uploads, Microsoft.Extensions.Options.Options.Create(new QuotaOptions()), outbox, new JobMetrics(services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>()),
            TimeProvider.System, NullLogger<UploadAcceptance>.Instance);
        await writer.StartAsync(CancellationToken.None);
        try
        {
            // Both read as POST /jobs reads them, then changed by another write before the submission's.
            var recorded = await writer.WriteAsync((db, cancellationToken) => JobLookup.ForStatementAsync(db, "j_recorded", cancellationToken), CancellationToken.None);
            var canceled = await writer.WriteAsync((db, cancellationToken) => JobLookup.ForStatementAsync(db, "j_canceled", cancellationToken), CancellationToken.None);
            await writer.WriteAsync(async (db, cancellationToken) =>
            {
                Assert.True((await JobLookup.ForChangeAsync(db, "j_recorded", cancellationToken))!.RecordUpload(1234, "\"etag\"", Created.AddMinutes(1)));
                Assert.Equal(CancelOutcome.Canceled, (await JobLookup.ForChangeAsync(db, "j_canceled", cancellationToken))!.Cancel(Created.AddMinutes(1)));
                return await db.SaveChangesAsync(cancellationToken);
            }, CancellationToken.None);

            // As POST /jobs with outputs and a webhook_url: the endpoint is saved by EF after the statements, in the same write.
            var upload = new StoredUpload(1234, "\"etag\"");
            var submitted = await acceptance.SubmitAsync("j_recorded", upload, isFresh: true, null, (db, job) =>
            {
                db.WebhookEndpoints.Add(new WebhookEndpoint
                {
                    Id = "w_job", OwnerId = job.OwnerId!, JobId = job.Id, Url = "https://hooks.example/jobs", ProtectedSecret = "unused",
                    CreatedAt = Created,
                });
                return "the endpoint's secret";
            }, CancellationToken.None, [OutputKinds.Mp4, OutputKinds.Poster], read: recorded);
            Assert.Equal((UploadOutcome.Submitted, JobStatus.Pending, "the endpoint's secret"), (submitted.Outcome, submitted.Job!.Status, submitted.WebhookSecret));
            // The answer's job is the one read again, whose upload was recorded at its landing, not at the submission.
            Assert.Equal(Created.AddMinutes(1), submitted.Job.UploadedAt);
            var moved = await acceptance.SubmitAsync("j_canceled", upload, isFresh: true, null, null, CancellationToken.None, read: canceled);
            Assert.Equal((UploadOutcome.Moved, JobStatus.Canceled), (moved.Outcome, moved.Job!.Status));
        }
        finally
        {
            await writer.StopAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));
        }

        await using var check = new JobsDbContext(MigratedDatabase.Options(file), new DatabaseWriteGate());
        var jobs = await check.Jobs.ToDictionaryAsync(job => job.Id);
        // The record made meanwhile is kept, not overwritten by the stale read's values; the outputs chosen are written.
        Assert.Equal(
            (JobStatus.Pending, Created.AddMinutes(1), "mp4,poster"),
            (jobs["j_recorded"].Status, jobs["j_recorded"].UploadedAt, jobs["j_recorded"].Outputs));
        Assert.Equal("j_recorded", Assert.Single(await check.WebhookEndpoints.ToListAsync()).JobId);
        Assert.Equal(JobStatus.Canceled, jobs["j_canceled"].Status);
        Assert.Equal(["j_recorded"], (await check.Outbox.ToListAsync()).Select(message => message.JobId));
    }

    /// <summary>The job submitted as POST /jobs submits it (outputs chosen, then the upload's size and ETag), and its message.</summary>
    private static OutboxMessage Submit(Job job)
    {
        job.ChooseOutputs([OutputKinds.Mp4, OutputKinds.Poster], Created.AddMinutes(2));
        Assert.Equal(SubmitOutcome.Submitted, job.Submit(1234, "\"etag\"", Created.AddMinutes(3)));
        return JobQueueing.Message(job, job.OutputFormat, Created.AddMinutes(3), "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", 1 << 30);
    }
}
