namespace VideoConversion.LoadTest.Runs;

/// <summary>One job's upload as the client lived it.</summary>
/// <param name="UploadType">"single" (one PUT) or "multipart", as the API answered.</param>
/// <param name="Duration">From the first byte's request (a part URL's, for an upload in parts) until storage held the file
/// (completion answered); zero when the upload did not finish.</param>
/// <param name="FileBytes">The file's size: what had to go.</param>
/// <param name="SentBytes">Bytes handed to storage's connections, attempts that failed included.</param>
/// <param name="Parts">Parts the file went in (1 for one PUT); 0 when the upload was never begun.</param>
public sealed record UploadMeasurement(string UploadType, TimeSpan Duration, long FileBytes, long SentBytes, int Parts);
