using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace VideoConversion.Tests.Support;

/// <summary>
/// A web server on loopback that holds videos at addresses, as the sites people give <c>input_url</c> for
/// do: files by name, redirects, an answer of a status, and a body that never ends.
/// </summary>
public sealed class VideoSource : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Func<HttpContext, Task>> _paths = new(StringComparer.Ordinal);
    private WebApplication? _app;

    public Uri Address { get; private set; } = null!;

    public async Task StartAsync()
    {
        (_app, Address) = await LoopbackServer.StartAsync(app => app.MapGet("/{**path}", (string path, HttpContext context) =>
            _paths.TryGetValue(path, out var answer) ? answer(context) : Task.FromResult(context.Response.StatusCode = StatusCodes.Status404NotFound)));
    }

    public string Url(string path) => new Uri(Address, path).ToString();

    public void File(string path, string file) => _paths[path] = context => context.Response.SendFileAsync(file);

    public void Redirect(string path, string location) => _paths[path] = context =>
    {
        context.Response.StatusCode = StatusCodes.Status302Found;
        context.Response.Headers.Location = location;
        return Task.CompletedTask;
    };

    public void Status(string path, int status) => _paths[path] = context =>
    {
        context.Response.StatusCode = status;
        return Task.CompletedTask;
    };

    /// <summary>Bytes without end and without a declared length, until the client stops reading.</summary>
    public void Endless(string path) => _paths[path] = async context =>
    {
        context.Response.ContentType = "video/mp4";
        var chunk = new byte[1024 * 1024];
        while (!context.RequestAborted.IsCancellationRequested)
        {
            await context.Response.Body.WriteAsync(chunk, context.RequestAborted);
        }
    };

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _app, null) is { } app)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }
}
