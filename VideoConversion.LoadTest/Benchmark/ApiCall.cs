namespace VideoConversion.LoadTest.Benchmark;

/// <summary>A call the API benchmark makes: as the report names it, and as the API's request metrics label it.</summary>
/// <param name="Name">As the report names it: "POST /jobs".</param>
/// <param name="Method">The request's method (<c>http.request.method</c>).</param>
/// <param name="Route">The route template the API matched (<c>http.route</c>), as it labels the request's metrics.</param>
public sealed record ApiCall(string Name, string Method, string Route)
{
    public static readonly ApiCall Create = new("POST /upload/request", "POST", "/upload/request");

    public static readonly ApiCall Submit = new("POST /jobs", "POST", "/jobs/");

    public static readonly ApiCall Read = new("GET /jobs/{id}", "GET", "/jobs/{jobId}");
}
