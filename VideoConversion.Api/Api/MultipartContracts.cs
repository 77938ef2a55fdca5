namespace VideoConversion.Api.Api;

// The multipart upload calls' bodies and answers (snake_case on the wire, see ApiJson).

/// <param name="PartNumbers">The parts to sign URLs for, from 1 to the upload's part_count.</param>
public sealed record PartUrlsRequest(IReadOnlyList<int>? PartNumbers);

/// <param name="ExpiresAt">When these URLs stop working: ask again for the parts not sent by then.</param>
public sealed record PartUrls(string JobId, long PartSize, int PartCount, IReadOnlyList<PartUrl> Parts, DateTimeOffset ExpiresAt);

/// <param name="Url">PUT the part's bytes here; storage answers with its ETag, which completing the upload names.</param>
public sealed record PartUrl(int PartNumber, string Url);

/// <summary>The parts storage holds: a resuming client sends only the others.</summary>
public sealed record HeldParts(string JobId, long PartSize, int PartCount, IReadOnlyList<HeldPart> Parts);

public sealed record HeldPart(int PartNumber, string Etag, long SizeBytes);

public sealed record CompleteUploadRequest(IReadOnlyList<CompletedPart>? Parts);

/// <param name="Etag">The ETag storage answered the part's PUT with (quotes or none).</param>
public sealed record CompletedPart(int PartNumber, string? Etag);
