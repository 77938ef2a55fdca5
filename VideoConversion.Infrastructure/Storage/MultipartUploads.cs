using System.Globalization;
using System.Net;
using System.Xml.Linq;

namespace VideoConversion.Infrastructure.Storage;

/// <summary>
/// S3 multipart uploads into one bucket, spoken in S3's own REST protocol and signed with <see cref="PresignedUrlSigner"/>
/// (the Minio SDK presigns no part). For inputs the API starts, lists, completes and aborts them, and clients PUT the
/// parts straight to storage with part URLs it signs: storage assembles the object, no video byte passes through the API.
/// The worker stores large outputs the same way, streaming each part from its file.
/// </summary>
/// <param name="publicEndpoint">Where those who send the parts (browsers, for inputs) reach storage: part URLs are signed for that host.</param>
/// <param name="bucket">The bucket the uploads go to.</param>
public sealed class MultipartUploads(HttpClient http, StorageConnection connection, Uri publicEndpoint, TimeProvider time, string bucket)
{
    /// <summary>The longest any call may take: completing a 50 GB upload whose parts storage copies into one object.</summary>
    public static readonly TimeSpan LongestCall = TimeSpan.FromMinutes(15);

    private static readonly XNamespace S3 = "http://s3.amazonaws.com/doc/2006-03-01/";

    /// <summary>
    /// A request signed now is sent at once, by this process (its URL never leaves it), and S3 checks the lifetime when
    /// the request begins: it is there for clock skew between this node and storage, which S3 tolerates up to 15 minutes
    /// in signed headers too.
    /// </summary>
    private static readonly TimeSpan RequestLifetime = TimeSpan.FromMinutes(15);

    private readonly PresignedUrlSigner _internal = new(connection, connection.Endpoint, time);
    private readonly PresignedUrlSigner _public = new(connection, publicEndpoint, time);

    /// <summary>Starts a multipart upload of <paramref name="key"/>; its upload id.</summary>
    /// <param name="metadata">User metadata stored with the object (<c>x-amz-meta-*</c> headers), signed with the request.</param>
    /// <exception cref="StorageUnavailableException">Storage did not answer, or refused.</exception>
    public async Task<string> CreateAsync(
        string key, string? contentType, CancellationToken cancellationToken, IReadOnlyDictionary<string, string>? metadata = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _internal.Presign(
            HttpMethod.Post, bucket, key, RequestLifetime, parameters: new Dictionary<string, string> { ["uploads"] = "" }, headers: metadata));
        request.Content = new ByteArrayContent([]);
        if (!string.IsNullOrEmpty(contentType))
        {
            request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }

        AddMetadata(request, metadata);
        var answer = await SendAsync(request, cancellationToken);
        return (answer?.Root is { } root ? Optional(root, "UploadId") : null)
            ?? throw new StorageUnavailableException(new InvalidDataException("Storage started a multipart upload without naming it."));
    }

    /// <summary>
    /// A URL the client PUTs one part to, straight to storage, until <paramref name="lifetime"/> has passed. It is signed
    /// for exactly <paramref name="sizeBytes"/> (its Content-Length), as a single upload's URL is for the declared size: no
    /// part can hold more than its share of the size the quota counted.
    /// </summary>
    public string PresignPart(string key, string uploadId, int partNumber, long sizeBytes, TimeSpan lifetime) =>
        _public.Presign(HttpMethod.Put, bucket, key, lifetime, contentLength: sizeBytes, parameters: PartParameters(uploadId, partNumber));

    /// <summary>
    /// Sends one part from this process, streamed from <paramref name="content"/> (its length is the part's), to
    /// storage's own endpoint: how the worker stores a large output.
    /// </summary>
    /// <exception cref="StorageUnavailableException">Storage did not answer, or refused.</exception>
    public async Task<StoredPart> PutPartAsync(string key, string uploadId, int partNumber, HttpContent content, CancellationToken cancellationToken)
    {
        var size = content.Headers.ContentLength ?? throw new ArgumentException("A part's length must be known before it is sent.", nameof(content));
        using var request = new HttpRequestMessage(HttpMethod.Put,
            _internal.Presign(HttpMethod.Put, bucket, key, RequestLifetime, contentLength: size, parameters: PartParameters(uploadId, partNumber)))
        {
            Content = content,
        };
        var etag = await PutAsync(request, cancellationToken);
        return new StoredPart(partNumber, etag, size);
    }

    /// <summary>
    /// Stores a whole object in one PUT streamed from <paramref name="content"/>, signed with its length and
    /// <paramref name="metadata"/>: what storage keeps is exactly what was sent.
    /// </summary>
    /// <returns>The object's ETag, without quotes.</returns>
    /// <exception cref="StorageUnavailableException">Storage did not answer, or refused.</exception>
    public async Task<string> PutObjectAsync(
        string key, HttpContent content, CancellationToken cancellationToken, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var size = content.Headers.ContentLength ?? throw new ArgumentException("An object's length must be known before it is sent.", nameof(content));
        using var request = new HttpRequestMessage(HttpMethod.Put,
            _internal.Presign(HttpMethod.Put, bucket, key, RequestLifetime, contentLength: size, headers: metadata))
        {
            Content = content,
        };
        AddMetadata(request, metadata);
        return await PutAsync(request, cancellationToken);
    }

    /// <summary>The parts storage holds of the upload, in order; null when there is no such upload (aborted, completed or never begun).</summary>
    public async Task<IReadOnlyList<StoredPart>?> ListPartsAsync(string key, string uploadId, CancellationToken cancellationToken)
    {
        List<StoredPart> parts = [];
        var marker = 0;
        while (true)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, Sign(HttpMethod.Get, key, new()
            {
                ["uploadId"] = uploadId,
                ["part-number-marker"] = marker.ToString(CultureInfo.InvariantCulture),
            }));
            var answer = await SendAsync(request, cancellationToken, missingIsNull: true);
            if (answer is null)
            {
                return null;
            }

            var root = answer.Root ?? throw Unreadable("a part list");
            try
            {
                parts.AddRange(Elements(root, "Part").Select(part => new StoredPart(
                    int.Parse(Value(part, "PartNumber"), CultureInfo.InvariantCulture),
                    Value(part, "ETag").Trim('"'),
                    long.Parse(Value(part, "Size"), CultureInfo.InvariantCulture))));
                if (!string.Equals(Optional(root, "IsTruncated"), "true", StringComparison.OrdinalIgnoreCase))
                {
                    return parts;
                }

                var next = int.Parse(Value(root, "NextPartNumberMarker"), CultureInfo.InvariantCulture);
                // A page that does not move on would be asked for forever.
                marker = next > marker ? next : throw Unreadable("a part list that repeats its page");
            }
            catch (Exception exception) when (exception is FormatException or OverflowException or InvalidDataException)
            {
                throw new StorageUnavailableException(exception);
            }
        }
    }

    /// <summary>Assembles the object from the parts named, in order: storage checks each part's ETag.</summary>
    /// <exception cref="StorageRefusedException">Storage refused the parts (a missing part, a wrong ETag, no such upload).</exception>
    public async Task CompleteAsync(string key, string uploadId, IReadOnlyList<StoredPart> parts, CancellationToken cancellationToken)
    {
        var body = new XElement("CompleteMultipartUpload", parts.Select(part => new XElement("Part",
            new XElement("PartNumber", part.Number.ToString(CultureInfo.InvariantCulture)),
            new XElement("ETag", $"\"{part.ETag}\""))));
        using var request = new HttpRequestMessage(HttpMethod.Post, Sign(HttpMethod.Post, key, new() { ["uploadId"] = uploadId }))
        {
            Content = new StringContent(body.ToString(SaveOptions.DisableFormatting), System.Text.Encoding.UTF8, "application/xml"),
        };
        await SendAsync(request, cancellationToken);
    }

    /// <summary>Ends the upload and removes every part storage holds of it; an upload that is gone already is no error.</summary>
    public async Task AbortAsync(string key, string uploadId, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Delete, Sign(HttpMethod.Delete, key, new() { ["uploadId"] = uploadId }));
        await SendAsync(request, cancellationToken, missingIsNull: true);
    }

    private string Sign(HttpMethod method, string key, Dictionary<string, string> parameters) =>
        _internal.Presign(method, bucket, key, RequestLifetime, parameters: parameters);

    private static Dictionary<string, string> PartParameters(string uploadId, int partNumber) => new()
    {
        ["partNumber"] = partNumber.ToString(CultureInfo.InvariantCulture),
        ["uploadId"] = uploadId,
    };

    /// <summary>The metadata's headers, as <see cref="PresignedUrlSigner"/> signed them.</summary>
    private static void AddMetadata(HttpRequestMessage request, IReadOnlyDictionary<string, string>? metadata)
    {
        foreach (var (name, value) in metadata ?? new Dictionary<string, string>())
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
    }

    /// <returns>The ETag storage gave what was stored, without quotes.</returns>
    private async Task<string> PutAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var (response, text) = await ExchangeAsync(request, cancellationToken);
        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                throw Unavailable(response, Parse(text));
            }

            // Read as sent: the typed header is null for an ETag some servers send unquoted.
            return response.Headers.TryGetValues("ETag", out var etags) && etags.FirstOrDefault() is { Length: > 0 } etag
                ? etag.Trim().Trim('"')
                : throw Unreadable("a stored object without an ETag");
        }
    }

    /// <returns>The answer's XML (an empty document for an empty body); null for NoSuchUpload when <paramref name="missingIsNull"/>.</returns>
    private async Task<XDocument?> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken, bool missingIsNull = false)
    {
        var (response, text) = await ExchangeAsync(request, cancellationToken);
        using (response)
        {
            var document = Parse(text);
            if (response.IsSuccessStatusCode)
            {
                // S3 may answer a completion 200 with an error in its body.
                return document.Root?.Name.LocalName == "Error" ? throw Refused(document) : document;
            }

            if (missingIsNull && (response.StatusCode == HttpStatusCode.NotFound || Code(document) == "NoSuchUpload"))
            {
                return null;
            }

            throw response.StatusCode is HttpStatusCode.BadRequest or HttpStatusCode.NotFound ? Refused(document) : Unavailable(response, document);
        }
    }

    /// <summary>Sends the request and reads storage's answer (the caller disposes the response); no answer is <see cref="StorageUnavailableException"/>.</summary>
    private async Task<(HttpResponseMessage Response, string Text)> ExchangeAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        HttpResponseMessage? response = null;
        try
        {
            response = await http.SendAsync(request, cancellationToken);
            return (response, await response.Content.ReadAsStringAsync(cancellationToken));
        }
        catch (Exception exception)
        {
            response?.Dispose();
            // The client's own time limit (a cancellation the caller did not ask for) is storage not answering too.
            if (exception is HttpRequestException || (exception is TaskCanceledException && !cancellationToken.IsCancellationRequested))
            {
                throw new StorageUnavailableException(exception);
            }

            throw;
        }
    }

    private static StorageUnavailableException Unavailable(HttpResponseMessage response, XDocument answer) =>
        new(new HttpRequestException($"Storage answered {(int)response.StatusCode}: {Code(answer)}"));

    /// <summary>Storage's XML answer; an empty document for an empty body, or one that is not XML (a proxy's error page).</summary>
    private static XDocument Parse(string text)
    {
        try
        {
            return string.IsNullOrWhiteSpace(text) ? new XDocument() : XDocument.Parse(text);
        }
        catch (System.Xml.XmlException)
        {
            return new XDocument();
        }
    }

    private static StorageUnavailableException Unreadable(string what) => new(new InvalidDataException($"Storage answered {what} that cannot be read."));

    private static StorageRefusedException Refused(XDocument error) => new(
        Code(error) ?? "Unknown",
        int.TryParse(error.Root?.Element("PartNumber")?.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var part) ? part : null,
        error.Root?.Element("Message")?.Value);

    private static string? Code(XDocument document) => document.Root?.Element("Code")?.Value;

    private static IEnumerable<XElement> Elements(XElement parent, string name) => parent.Elements(S3 + name).Concat(parent.Elements(name));

    private static string? Optional(XElement parent, string name) => Elements(parent, name).FirstOrDefault()?.Value;

    private static string Value(XElement parent, string name) =>
        Optional(parent, name) ?? throw new InvalidDataException($"Storage's answer has no {name}.");
}

/// <summary>A part storage holds of a multipart upload.</summary>
/// <param name="ETag">Without quotes.</param>
public sealed record StoredPart(int Number, string ETag, long Size = 0);

/// <summary>Storage refused a multipart request for a reason of the request (S3's error code, and the part when it names one).</summary>
public sealed class StorageRefusedException(string code, int? partNumber, string? message)
    : Exception($"Storage refused the request: {code}{(partNumber is { } part ? $" (part {part})" : "")}. {message}")
{
    public string Code { get; } = code;

    public int? PartNumber { get; } = partNumber;
}
