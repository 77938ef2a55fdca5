using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using VideoConversion.Tests.Support;

namespace VideoConversion.Tests.Faults;

/// <summary>A video at an address larger than the size limit (this system's: 512 MiB) fails readably, however its server sends it.</summary>
[Collection(FaultySystem.Name)]
public sealed class InputUrlLimitTests(FaultSystemFixture system) : IAsyncLifetime, IAsyncDisposable
{
    private readonly VideoSource _source = new();

    public Task InitializeAsync() => _source.StartAsync();

    [Fact]
    public async Task A_body_past_the_size_limit_fails_the_job_saying_so()
    {
        _source.Endless("endless.mp4");

        using var created = await system.Api.PostAsJsonAsync("/jobs", new { input_url = _source.Url("endless.mp4") });
        Assert.Equal(HttpStatusCode.Accepted, created.StatusCode);
        var jobId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("job_id").GetString()!;
        var (job, _) = await system.Api.WaitForOutcomeAsync(jobId, TimeSpan.FromMinutes(4));

        Assert.Equal("FAILED", job.GetProperty("status").GetString());
        Assert.Contains("larger than 536.9 MB, the limit", job.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, job.GetProperty("attempts").GetInt32());
    }

    public Task DisposeAsync() => _source.DisposeAsync().AsTask();

    ValueTask IAsyncDisposable.DisposeAsync() => _source.DisposeAsync();
}
