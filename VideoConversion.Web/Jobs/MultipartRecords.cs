namespace VideoConversion.Web.Jobs;

// The multipart upload calls' answers, as the API sends them (snake_case on the wire).

/// <summary>POST /uploads/{id}/parts: a URL for each part asked for, all valid until <paramref name="ExpiresAt"/>.</summary>
public sealed record PartUrls(string JobId, long PartSize, int PartCount, IReadOnlyList<PartUrl> Parts, DateTimeOffset ExpiresAt);

public sealed record PartUrl(int PartNumber, string Url);

/// <summary>GET /uploads/{id}/parts: the parts storage holds, which a resumed upload does not send again.</summary>
public sealed record HeldParts(string JobId, long PartSize, int PartCount, IReadOnlyList<HeldPart> Parts);

public sealed record HeldPart(int PartNumber, string Etag, long SizeBytes);

/// <summary>A part the browser sent, with the ETag storage answered its PUT with.</summary>
public sealed record SentPart(int PartNumber, string Etag);
