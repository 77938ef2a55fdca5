namespace VideoConversion.Tests.Support;

/// <summary>Inputs sized to this machine's speed, so tests that act mid-conversion hold on fast and slow machines.</summary>
public static class TimedInputs
{
    /// <summary>
    /// An input that takes about <paramref name="conversionTime"/> to convert here, sized from a timed conversion of a
    /// ten-second sample through the running system.
    /// </summary>
    public static async Task<string> InputTakingAsync(
        this HttpClient api, string directory, string fileName, TimeSpan conversionTime, TimeSpan timeout)
    {
        const int sampleSeconds = 10;
        var sample = await api.StartJobAsync(await TestMedia.Mpeg4720pAsync(directory, "sample.avi", sampleSeconds));
        var (job, _) = await api.WaitForOutcomeAsync(sample, timeout);
        var took = job.GetProperty("finished_at").GetDateTimeOffset() - job.GetProperty("started_at").GetDateTimeOffset();
        var seconds = (int)Math.Clamp(sampleSeconds * conversionTime / took, 2, 600);
        return await TestMedia.Mpeg4720pAsync(directory, fileName, seconds);
    }
}
