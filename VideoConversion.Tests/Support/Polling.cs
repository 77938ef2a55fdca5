namespace VideoConversion.Tests.Support;

public static class Polling
{
    /// <summary>Polls <paramref name="condition"/> every 100 ms until it holds; fails naming <paramref name="what"/> after the timeout.</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromMinutes(3));
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"gave up waiting for {what}");
            await Task.Delay(100);
        }
    }

    /// <summary>Polls <paramref name="probe"/> every 100 ms until it returns a value; fails naming <paramref name="what"/> after the timeout.</summary>
    public static async Task<T> WaitForAsync<T>(Func<T?> probe, string what, TimeSpan timeout) where T : class
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (probe() is { } value)
            {
                return value;
            }

            Assert.True(DateTime.UtcNow < deadline, $"gave up waiting for {what}");
            await Task.Delay(100);
        }
    }

    /// <inheritdoc cref="WaitForAsync{T}(Func{T}, string, TimeSpan)"/>
    public static async Task<T> WaitForAsync<T>(Func<Task<T?>> probe, string what, TimeSpan timeout) where T : class
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (await probe() is { } value)
            {
                return value;
            }

            Assert.True(DateTime.UtcNow < deadline, $"gave up waiting for {what}");
            await Task.Delay(100);
        }
    }
}
