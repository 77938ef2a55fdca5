using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Options;
using Microsoft.JSInterop;
using VideoConversion.Web.Jobs;
using VideoConversion.Web.Uploads;

namespace VideoConversion.Web.Components.Pages;

/// <summary>
/// The upload page. The browser sends files straight to storage (wwwroot/js/uploads.js); this
/// component asks the API for upload URLs, starts the jobs and follows them until they end.
/// Methods marked [JSInvokable] run on the circuit's dispatcher, so they render directly.
/// </summary>
public sealed partial class Home
{
    private const int JobPageSize = 20;

    /// <summary>The job list changes slowly; it is refreshed every this many status rounds (and its links with it).</summary>
    private const int JobListRefreshEvery = 5;

    private readonly List<UploadItem> _uploads = [];
    private readonly CancellationTokenSource _closing = new();
    private ElementReference _dropZone;
    private ElementReference _fileInput;
    private IJSObjectReference? _module;
    private DotNetObjectReference<Home>? _self;
    private bool _ready;
    private string? _announcement;

    /// <summary>Uploads this browser began and did not complete (the page closed, the network went): choosing the file again continues them.</summary>
    private IReadOnlyList<RememberedUpload> _interrupted = [];
    private JobPage? _jobs;
    private string? _jobsError;

    /// <summary>Why the last retry or delete from the list was refused, for the person who asked.</summary>
    private string? _actionError;
    private int _jobPageNumber = 1;

    /// <summary>The API's size limit, to refuse a large file before it is sent; the API enforces it anyway.</summary>
    private UploadLimits? _limits;

    [Inject]
    public required JobsClient Jobs { get; init; }

    [Inject]
    public required UploadCompletionClient Completion { get; init; }

    [Inject]
    public required IJSRuntime JS { get; init; }

    [Inject]
    public required IOptions<UploadOptions> Options { get; init; }

    [Inject]
    public required TimeProvider Time { get; init; }

    [Inject]
    public required NavigationManager Navigation { get; init; }

    protected override async Task OnInitializedAsync()
    {
        await RefreshJobListAsync();
        try
        {
            _limits = await Jobs.GetUploadLimitsAsync(_closing.Token);
        }
        catch (SignInRequiredException)
        {
            SignInAgain();
        }
        catch (JobsApiException)
        {
            // Without it the page checks less up front; the API answers an oversized request with 413.
        }
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (!firstRender)
        {
            return;
        }

        _self = DotNetObjectReference.Create(this);
        _module = await JS.InvokeAsync<IJSObjectReference>("import", "./js/uploads.js");
        _interrupted = await _module.InvokeAsync<IReadOnlyList<RememberedUpload>>("attach", _dropZone, _fileInput, _self);
        _ready = true;
        StateHasChanged();
        _ = FollowJobsAsync(_closing.Token);
    }

    /// <summary>
    /// Called by the browser for each chosen file: checks it and gets it an upload URL, or the plan of its parts. A file
    /// the browser remembers (<paramref name="resumeJobId"/>: its upload stopped before it completed) continues that job's
    /// upload from the parts storage holds, when the API still has it awaiting them.
    /// </summary>
    [JSInvokable]
    public async Task<BrowserUpload> BeginUpload(string fileName, long size, string? contentType, string? resumeJobId)
    {
        var item = new UploadItem(Guid.NewGuid().ToString("N"), fileName, size);
        _uploads.Insert(0, item);
        StateHasChanged();
        if (UploadFileCheck.Problem(fileName, size, _limits?.MaxFileBytes ?? long.MaxValue) is { } problem)
        {
            Fail(item, UploadStage.Rejected, problem);
            return new BrowserUpload(item.Id, null);
        }

        try
        {
            if (resumeJobId is not null && await ContinueRememberedAsync(item, resumeJobId) is { } resumed)
            {
                return resumed;
            }

            using var trace = UploadTracing.StartUpload(fileName);
            item.Trace = trace?.Context ?? default;
            var ticket = await Jobs.RequestUploadAsync(fileName, size, contentType, _closing.Token);
            item.JobId = ticket.JobId;
            item.IsMultipart = ticket.IsMultipart;
            item.UploadStartedAt = Time.GetUtcNow();
            Announce($"Uploading {fileName}.");
            StateHasChanged();
            return ticket is { IsMultipart: true, PartSize: { } partSize, PartCount: { } partCount }
                ? new BrowserUpload(item.Id, null, new BrowserMultipart(ticket.JobId, partSize, partCount, []))
                : new BrowserUpload(item.Id, ticket.PresignedUrl);
        }
        catch (JobsApiException exception)
        {
            Fail(item, UploadStage.Rejected, exception.Message);
            return new BrowserUpload(item.Id, null);
        }
    }

    /// <summary>
    /// The remembered job's upload, when the API still awaits its parts and they are cut for a file of this size; null to
    /// start afresh (the job expired, was canceled, completed, or is not this person's).
    /// </summary>
    private async Task<BrowserUpload?> ContinueRememberedAsync(UploadItem item, string jobId)
    {
        HeldParts held;
        try
        {
            held = await Jobs.ListPartsAsync(jobId, _closing.Token);
        }
        catch (JobsApiException exception) when (exception.IsRefusal)
        {
            return null;
        }

        if (held.PartSize <= 0 || (item.Size + held.PartSize - 1) / held.PartSize != held.PartCount)
        {
            return null;
        }

        item.JobId = jobId;
        item.IsMultipart = true;
        item.UploadStartedAt = Time.GetUtcNow();
        var heldBytes = held.Parts.Sum(part => part.SizeBytes);
        item.Transfer = new TransferProgress(heldBytes, item.Size, TimeSpan.Zero, heldBytes);
        Announce($"Resuming the upload of {item.FileName}: {held.Parts.Count} of {held.PartCount} parts are in storage already.");
        StateHasChanged();
        return new BrowserUpload(item.Id, null, new BrowserMultipart(jobId, held.PartSize, held.PartCount, held.Parts));
    }

    /// <summary>Called by the browser just before it sends these parts: their URLs, from the API.</summary>
    [JSInvokable]
    public async Task<BrowserPartUrls> SignParts(string id, int[] partNumbers)
    {
        if (Find(id) is not { JobId: { } jobId })
        {
            return new BrowserPartUrls([], 0, "This upload is no longer on the page.", Final: true);
        }

        try
        {
            var urls = await Jobs.SignPartsAsync(jobId, partNumbers, _closing.Token);
            var validFor = urls.ExpiresAt - Time.GetUtcNow();
            return new BrowserPartUrls(urls.Parts, (long)Math.Max(0, validFor.TotalMilliseconds));
        }
        catch (SignInRequiredException)
        {
            return new BrowserPartUrls([], 0, "Your sign-in has expired. Sign in again, then choose the same file to continue.", Final: true);
        }
        catch (JobsApiException exception)
        {
            return new BrowserPartUrls([], 0, exception.Message, Final: exception.IsRefusal);
        }
    }

    /// <param name="sentBytes">Bytes in storage or on their way, held parts included.</param>
    /// <param name="resumedBytes">Of those, what storage held before this page began: not part of the speed.</param>
    /// <param name="activeMilliseconds">Time spent sending, pauses left out.</param>
    [JSInvokable]
    public Task ReportProgress(string id, long sentBytes, long resumedBytes, double activeMilliseconds)
    {
        if (Find(id) is { Stage: UploadStage.Uploading } item)
        {
            item.Transfer = new TransferProgress(sentBytes, item.Size, TimeSpan.FromMilliseconds(activeMilliseconds), resumedBytes);
            StateHasChanged();
        }

        return Task.CompletedTask;
    }

    /// <summary>A part failed and will be sent again after a wait (null: sending again went through).</summary>
    [JSInvokable]
    public Task ReportWaiting(string id, string? reason)
    {
        if (Find(id) is { Stage: UploadStage.Uploading } item)
        {
            item.Waiting = reason;
            StateHasChanged();
        }

        return Task.CompletedTask;
    }

    /// <summary>
    /// Called by the browser once storage holds every part: the API completes the upload with the parts storage lists (so
    /// thousands of ETags never cross the page's connection), and the job starts.
    /// </summary>
    /// <returns>Null when completed; otherwise why not, as shown on the page.</returns>
    [JSInvokable]
    public async Task<string?> CompleteUpload(string id)
    {
        if (Find(id) is not { JobId: { } jobId } item)
        {
            return "This upload is no longer on the page.";
        }

        item.Transfer = item.Transfer with { SentBytes = item.Size };
        item.Stage = UploadStage.Starting;
        item.Waiting = null;
        Announce($"{item.FileName} uploaded; starting the conversion.");
        StateHasChanged();
        try
        {
            using var trace = UploadTracing.StartSubmit(item.Trace);
            var held = await Jobs.ListPartsAsync(jobId, _closing.Token);
            await Completion.CompleteUploadAsync(jobId, [.. held.Parts.Select(part => new SentPart(part.PartNumber, part.Etag))], _closing.Token);
        }
        catch (SignInRequiredException)
        {
            Fail(item, UploadStage.Failed, "Your sign-in has expired. Sign in again, then choose the same file to finish its upload.");
            return item.Error;
        }
        catch (JobsApiException exception)
        {
            Fail(item, UploadStage.Failed, exception.Message);
            return exception.Message;
        }

        // Storage assembled the file; the job started by itself, as any upload's does.
        item.Stage = UploadStage.Converting;
        await RefreshJobAsync(item, _closing.Token);
        StateHasChanged();
        return null;
    }

    /// <summary>Called by the browser when a PUT ends: "ok", "cancelled", or what went wrong.</summary>
    [JSInvokable]
    public async Task EndUpload(string id, string outcome)
    {
        if (Find(id) is not { JobId: { } jobId } item)
        {
            return;
        }

        item.Waiting = null;
        item.Paused = false;
        switch (outcome)
        {
            case "ok":
                item.Transfer = item.Transfer with { SentBytes = item.Size };
                item.Stage = UploadStage.Starting;
                Announce($"{item.FileName} uploaded; starting the conversion.");
                StateHasChanged();
                await StartJobAsync(item, jobId);
                break;
            case "cancelled":
                item.Stage = UploadStage.Cancelled;
                Announce($"Upload of {item.FileName} cancelled.");
                break;
            default:
                Fail(item, UploadStage.Failed, item.IsMultipart
                    ? $"The upload stopped: {outcome}. Choose the same file again to continue where it stopped."
                    : $"The upload failed: {outcome}. Please try again.");
                break;
        }

        StateHasChanged();
    }

    private async Task StartJobAsync(UploadItem item, string jobId)
    {
        try
        {
            using var trace = UploadTracing.StartSubmit(item.Trace);
            await Jobs.SubmitAsync(jobId, _closing.Token);
        }
        catch (JobsApiException exception)
        {
            Fail(item, UploadStage.Failed, exception.Message);
            return;
        }

        // Started: from here on the status comes from the polling loop, which rides out API hiccups.
        item.Stage = UploadStage.Converting;
        await RefreshJobAsync(item, _closing.Token);
    }

    /// <summary>Stops the upload in the browser, and cancels the job at the API (during the upload too: nothing is left waiting for it).</summary>
    private async Task CancelAsync(UploadItem item)
    {
        var uploading = item.Stage == UploadStage.Uploading;
        if (_module is not null && uploading)
        {
            await _module.InvokeVoidAsync("cancel", item.Id);
        }

        if (item.JobId is not { } jobId)
        {
            return;
        }

        if (uploading && item.IsMultipart)
        {
            try
            {
                // Storage drops the parts sent so far now, not when the sweeper finds them.
                await Jobs.AbortUploadAsync(jobId, _closing.Token);
            }
            catch (JobsApiException)
            {
                // The sweeper aborts it once the job is canceled below.
            }
        }

        try
        {
            var job = await Jobs.CancelAsync(jobId, _closing.Token);
            if (item.Stage == UploadStage.Converting)
            {
                item.Job = job;
                Announce($"{item.FileName}: canceled.");
            }
        }
        catch (JobsApiException exception) when (item.Stage == UploadStage.Converting)
        {
            Announce(exception.Message);
        }
        catch (JobsApiException)
        {
            // The upload is stopped either way; the job it was for expires by itself.
        }

        await RefreshJobListAsync();
    }

    /// <summary>Stops sending (the parts in flight are sent again, whole, on resume); what storage holds is kept.</summary>
    private async Task PauseUploadAsync(UploadItem item)
    {
        if (_module is not null && item is { Stage: UploadStage.Uploading, IsMultipart: true, Paused: false })
        {
            await _module.InvokeVoidAsync("pause", item.Id);
            item.Paused = true;
            Announce($"Upload of {item.FileName} paused.");
        }
    }

    private async Task ResumeUploadAsync(UploadItem item)
    {
        if (_module is not null && item is { Stage: UploadStage.Uploading, Paused: true })
        {
            await _module.InvokeVoidAsync("resume", item.Id);
            item.Paused = false;
            Announce($"Upload of {item.FileName} resumed.");
        }
    }

    private async Task RetryAsync(UploadItem item)
    {
        if (item.JobId is { } jobId && await RetryJobCoreAsync(jobId))
        {
            item.Job = null; // followed again from PENDING
            item.Stage = UploadStage.Converting;
            await RefreshJobAsync(item, _closing.Token);
        }
    }

    private async Task RetryJobAsync(string jobId)
    {
        if (await RetryJobCoreAsync(jobId) && _uploads.Find(upload => upload.JobId == jobId) is { } item)
        {
            item.Job = null;
            item.Stage = UploadStage.Converting;
        }
    }

    /// <summary>Cancel from the list: for a job this page did not upload (another tab, before a reload).</summary>
    private Task<bool> CancelJobAsync(string jobId) => ListActionAsync(() => Jobs.CancelAsync(jobId, _closing.Token), "Canceled.");

    private Task<bool> RetryJobCoreAsync(string jobId) => ListActionAsync(() => Jobs.RetryAsync(jobId, _closing.Token), "Queued again.");

    private Task<bool> DeleteJobAsync(string jobId) => ListActionAsync(async () =>
    {
        await Jobs.DeleteAsync(jobId, _closing.Token);
        _uploads.RemoveAll(upload => upload.JobId == jobId);
    }, "Deleted.");

    /// <summary>
    /// One of the list's actions: done and announced, or refused with the API's reason shown by the list; the
    /// list is read again either way. False when it did not happen.
    /// </summary>
    private async Task<bool> ListActionAsync(Func<Task> action, string done)
    {
        bool succeeded;
        try
        {
            await action();
            _actionError = null;
            Announce(done);
            succeeded = true;
        }
        catch (SignInRequiredException)
        {
            SignInAgain();
            return false;
        }
        catch (JobsApiException exception)
        {
            _actionError = exception.Message;
            Announce(exception.Message);
            succeeded = false;
        }

        await RefreshJobListAsync();
        return succeeded;
    }

    /// <summary>Asks the API about every job still running, and now and then about the recent list.</summary>
    private async Task FollowJobsAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(Options.Value.StatusRefreshInterval, Time);
        var round = 0;
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                await FollowOnceAsync(++round, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The page was closed.
        }
    }

    private async Task FollowOnceAsync(int round, CancellationToken cancellationToken)
    {
        var changed = false;
        var now = Time.GetUtcNow();
        foreach (var item in _uploads.Where(upload => upload.NeedsStatus || upload.NeedsNewLink(now)).ToList())
        {
            changed |= await RefreshJobAsync(item, cancellationToken);
        }

        if (round % JobListRefreshEvery == 0 || changed)
        {
            await RefreshJobListAsync();
            changed = true;
        }

        if (changed)
        {
            await InvokeAsync(StateHasChanged);
        }
    }

    private async Task<bool> RefreshJobAsync(UploadItem item, CancellationToken cancellationToken)
    {
        try
        {
            var job = await Jobs.GetAsync(item.JobId!, cancellationToken);
            if (job == item.Job)
            {
                return false;
            }

            if (job.Status != item.Job?.Status)
            {
                Announce(job.IsFailed ? $"{item.FileName} failed: {job.Error}" : $"{item.FileName}: {job.Status}.");
            }

            item.Job = job;
            return true;
        }
        catch (SignInRequiredException)
        {
            await InvokeAsync(SignInAgain);
            return false;
        }
        catch (JobsApiException)
        {
            return false; // shown as it was; the next round asks again
        }
    }

    private async Task ShowPageAsync(int pageNumber)
    {
        _jobPageNumber = Math.Max(1, pageNumber);
        await RefreshJobListAsync();
    }

    private async Task RefreshJobListAsync()
    {
        try
        {
            _jobs = await Jobs.GetPageAsync(_jobPageNumber, JobPageSize, _closing.Token);
            _jobsError = null;
        }
        catch (SignInRequiredException)
        {
            await InvokeAsync(SignInAgain);
        }
        catch (JobsApiException exception)
        {
            _jobsError = exception.Message; // written for people; no host names or stack traces
        }
    }

    /// <summary>The session ended (its API token expired): to the sign-in form, and back here after.</summary>
    private void SignInAgain() => Navigation.NavigateTo("/signin?ReturnUrl=%2F", forceLoad: true);

    private void Fail(UploadItem item, UploadStage stage, string error)
    {
        item.Stage = stage;
        item.Error = error;
        Announce(error);
        StateHasChanged();
    }

    private void Announce(string text) => _announcement = text;

    /// <summary>The remembered uploads whose file has not been chosen again on this page yet.</summary>
    private List<RememberedUpload> StillInterrupted =>
        [.. _interrupted.Where(upload => !_uploads.Exists(item => item.FileName == upload.Name && item.Size == upload.Size))];

    private UploadItem? Find(string id) => _uploads.Find(upload => upload.Id == id);

    public async ValueTask DisposeAsync()
    {
        // Cancelled, not disposed: continuations already queued on the circuit may still read its token.
        await _closing.CancelAsync();
        _self?.Dispose();
        if (_module is not null)
        {
            try
            {
                await _module.DisposeAsync();
            }
            catch (JSDisconnectedException)
            {
                // The browser is gone; so is the module.
            }
        }
    }
}

