using System.Security.Cryptography;
using Minio.DataModel.Args;
using VideoConversion.Contracts.Storage;
using VideoConversion.Infrastructure.Storage;
using VideoConversion.Tests.Support;
using VideoConversion.Worker.Jobs;

namespace VideoConversion.Tests.Integration;

/// <summary>
/// How the worker stores outputs, against the system's storage with the worker's own credentials: a file up to the part
/// size in one signed PUT, a larger one in parts streamed from its slices of the file and assembled by storage, with its
/// metadata either way; a part storage fails is sent again; a multipart upload whose part keeps failing is aborted,
/// leaving no parts behind. Every request is real and recorded on its way out.
/// </summary>
[Collection(WholeSystem.Name)]
public sealed class OutputUploadTests(SystemFixture system) : IDisposable
{
    /// <summary>S3's smallest part.</summary>
    private const long PartBytes = 5 * 1024 * 1024;

    private const string WorkerService = "worker";

    private readonly string _folder = Directory.CreateTempSubdirectory("output-upload-").FullName;

    [Fact]
    public async Task A_file_larger_than_a_part_is_stored_in_parts_whole_with_its_metadata()
    {
        var (file, content) = WriteFile("large.mp4", 2 * PartBytes + 123_457);
        var recorder = new RequestRecorder();
        var uploads = await WorkerUploadsAsync(recorder);
        var key = $"upload-test-{Guid.NewGuid():N}.mp4";

        await uploads.UploadAsync(key, file, "video/mp4", CancellationToken.None,
            new Dictionary<string, string> { [StoredOutputs.MethodHeader] = "transcode" });

        // Creation first and completion last; the parts, sent at once, in between.
        Assert.Equal(["POST ?uploads", "PUT ?partNumber&uploadId", "PUT ?partNumber&uploadId", "PUT ?partNumber&uploadId", "POST ?uploadId"],
            recorder.Requests);
        await AssertStoredAsync(key, content, "video/mp4", "transcode");
    }

    [Fact]
    public async Task A_file_up_to_a_part_is_stored_in_one_signed_put_with_its_metadata()
    {
        var (file, content) = WriteFile("small.mp4", 1_234_567);
        var recorder = new RequestRecorder();
        var uploads = await WorkerUploadsAsync(recorder);
        var key = $"upload-test-{Guid.NewGuid():N}.mp4";

        await uploads.UploadAsync(key, file, "video/mp4", CancellationToken.None,
            new Dictionary<string, string> { [StoredOutputs.MethodHeader] = "remux" });

        Assert.Equal(["PUT"], recorder.Requests);
        await AssertStoredAsync(key, content, "video/mp4", "remux");
    }

    [Fact]
    public async Task A_multipart_upload_that_fails_is_aborted_and_stores_nothing()
    {
        var (file, _) = WriteFile("failing.mp4", 3 * PartBytes);
        var recorder = new RequestRecorder { FailPart = 2 };
        var uploads = await WorkerUploadsAsync(recorder);
        var key = $"upload-test-{Guid.NewGuid():N}.mp4";

        await Assert.ThrowsAsync<StorageUnavailableException>(() => uploads.UploadAsync(key, file, "video/mp4", CancellationToken.None));

        // Parts 1 and 3 once each, part 2 as many times as a request is tried; then the abort, after every part's end.
        Assert.Equal(2 + FileUploads.Attempts, recorder.Requests.Count(request => request == "PUT ?partNumber&uploadId"));
        Assert.Equal("DELETE ?uploadId", recorder.Requests[^1]);
        Assert.False(await system.IsStoredAsync(StorageNames.OutputBucket, key));
        using var http = new HttpClient();
        var parts = await (await system.MultipartUploadsAsync(WorkerService, StorageNames.OutputBucket, http))
            .ListPartsAsync(key, recorder.UploadId!, CancellationToken.None);
        Assert.Null(parts);
    }

    [Fact]
    public async Task A_part_storage_fails_is_sent_again_and_the_file_stored_whole()
    {
        var (file, content) = WriteFile("retried.mp4", 2 * PartBytes + 99);
        var recorder = new RequestRecorder { AnswerPartOnceWithServerError = 2 };
        var uploads = await WorkerUploadsAsync(recorder);
        var key = $"upload-test-{Guid.NewGuid():N}.mp4";

        await uploads.UploadAsync(key, file, "video/mp4", CancellationToken.None,
            new Dictionary<string, string> { [StoredOutputs.MethodHeader] = "transcode" });

        // Three parts and the second again, after storage answered it 500.
        Assert.Equal(4, recorder.Requests.Count(request => request == "PUT ?partNumber&uploadId"));
        Assert.Equal(1, recorder.ServerErrors);
        await AssertStoredAsync(key, content, "video/mp4", "transcode");
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private (string File, byte[] Content) WriteFile(string name, long size)
    {
        var content = new byte[size];
        new Random(19).NextBytes(content);
        var file = Path.Combine(_folder, name);
        File.WriteAllBytes(file, content);
        return (file, content);
    }

    private async Task<FileUploads> WorkerUploadsAsync(RequestRecorder recorder) => new(
        await system.MultipartUploadsAsync(WorkerService, StorageNames.OutputBucket, new HttpClient(recorder) { Timeout = TimeSpan.FromMinutes(2) }),
        PartBytes);

    private async Task AssertStoredAsync(string key, byte[] content, string contentType, string method)
    {
        using var storage = await system.StorageClientAsync();
        var stat = await storage.StatObjectAsync(new StatObjectArgs().WithBucket(StorageNames.OutputBucket).WithObject(key));
        Assert.Equal(content.Length, stat.Size);
        Assert.Equal(contentType, stat.ContentType);
        Assert.Equal(method, stat.MetaData.First(pair => pair.Key.Equals(StorageNames.ConversionMethodMetadata, StringComparison.OrdinalIgnoreCase)
            || pair.Key.Equals(StoredOutputs.MethodHeader, StringComparison.OrdinalIgnoreCase)).Value);

        using var stored = new MemoryStream();
        await storage.GetObjectAsync(new GetObjectArgs().WithBucket(StorageNames.OutputBucket).WithObject(key)
            .WithCallbackStream(async (stream, token) => await stream.CopyToAsync(stored, token)));
        Assert.Equal(SHA256.HashData(content), SHA256.HashData(stored.ToArray()));
    }

    /// <summary>Records each request as "METHOD ?query-names" and can fail one part, as a storage fault would.</summary>
    private sealed class RequestRecorder : DelegatingHandler
    {
        private readonly List<string> _requests = [];

        public RequestRecorder()
            : base(new SocketsHttpHandler())
        {
        }

        /// <summary>The part whose request fails, as a cut connection would; null for none.</summary>
        public int? FailPart { get; init; }

        /// <summary>The part whose first request storage "answers" 500 without seeing it, as a failing server would; null for none.</summary>
        public int? AnswerPartOnceWithServerError { get; init; }

        public int ServerErrors { get; private set; }

        public string? UploadId { get; private set; }

        public IReadOnlyList<string> Requests
        {
            get
            {
                lock (_requests)
                {
                    return [.. _requests];
                }
            }
        }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var query = System.Web.HttpUtility.ParseQueryString(request.RequestUri!.Query);
            var names = query.AllKeys.Where(name => name is not null && !name.StartsWith("X-Amz-", StringComparison.Ordinal)).Order(StringComparer.Ordinal);
            lock (_requests)
            {
                _requests.Add($"{request.Method}{(names.Any() ? " ?" + string.Join('&', names) : "")}");
                UploadId ??= query["uploadId"];
            }

            if (FailPart is { } part && query["partNumber"] == part.ToString(System.Globalization.CultureInfo.InvariantCulture))
            {
                throw new HttpRequestException("The test cut this part's connection.");
            }

            if (AnswerPartOnceWithServerError is { } failing && query["partNumber"] == failing.ToString(System.Globalization.CultureInfo.InvariantCulture))
            {
                lock (_requests)
                {
                    if (ServerErrors == 0)
                    {
                        ServerErrors++;
                        return new HttpResponseMessage(System.Net.HttpStatusCode.InternalServerError)
                        {
                            Content = new StringContent("<Error><Code>InternalError</Code></Error>"),
                        };
                    }
                }
            }

            return await base.SendAsync(request, cancellationToken);
        }
    }
}
