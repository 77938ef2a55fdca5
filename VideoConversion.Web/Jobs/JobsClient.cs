using System.Text.Json;
using System.Text.Json.Serialization;

namespace VideoConversion.Web.Jobs;

/// <summary>Reads jobs from the API. The page never touches storage or the database itself.</summary>
public sealed class JobsClient(HttpClient http)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    public async Task<JobPage> GetRecentAsync(int pageSize, CancellationToken cancellationToken)
    {
        var page = await http.GetFromJsonAsync<JobPage>($"/jobs?page=1&page_size={pageSize}", Json, cancellationToken);
        return page ?? new JobPage([], 1, pageSize, 0);
    }
}

public sealed record JobPage(IReadOnlyList<JobSummary> Items, int Page, int PageSize, int TotalCount);

public sealed record JobSummary(
    string JobId,
    string Status,
    int Progress,
    DateTimeOffset CreatedAt,
    DateTimeOffset? FinishedAt,
    string? Error,
    string? OutputUrl,
    string Filename)
{
    [JsonIgnore]
    public bool IsDone => Status == "DONE";
}
