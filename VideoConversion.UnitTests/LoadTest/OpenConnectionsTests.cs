using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using VideoConversion.LoadTest.Benchmark;

namespace VideoConversion.UnitTests.LoadTest;

public sealed class OpenConnectionsTests
{
    /// <summary>
    /// Counted where the client connects: every connection its handler opens, and none it reuses. Answered at once too, as
    /// the API answers an unknown job: a connection handed back before the other calls are sent would be reused by them.
    /// </summary>
    [Theory]
    [InlineData(0)]
    [InlineData(50)]
    public async Task A_phase_after_them_opens_no_connection_of_its_own(int answerMilliseconds)
    {
        await using var server = await StartServerAsync(TimeSpan.FromMilliseconds(answerMilliseconds));
        var connects = 0;
        using var http = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = 16,
            ConnectCallback = async (context, cancellationToken) =>
            {
                Interlocked.Increment(ref connects);
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            },
        }) { BaseAddress = server.Address };

        await OpenConnections.OpenAsync(http, clients: 8, CancellationToken.None);
        Assert.Equal(8, connects);

        // The phase: its 8 clients call at once, as the measured calls do.
        await Task.WhenAll(Enumerable.Range(0, 8).Select(async _ =>
        {
            using var response = await http.GetAsync(new Uri("/jobs/some-job", UriKind.Relative));
            Assert.True(response.IsSuccessStatusCode);
        }));
        Assert.Equal(8, connects);

        // Opening them again finds them open.
        await OpenConnections.OpenAsync(http, clients: 8, CancellationToken.None);
        Assert.Equal(8, connects);
        Assert.Equal(24, server.Requests);
    }

    /// <summary>Kestrel on a free port of its own; every request answered with a body (as the API's 404 has) after <paramref name="delay"/>.</summary>
    private static async Task<TestServer> StartServerAsync(TimeSpan delay)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var server = new TestServer(app);
        app.Run(async context =>
        {
            server.Counted();
            await Task.Delay(delay, context.RequestAborted);
            context.Response.StatusCode = context.Request.Path == "/jobs/some-job" ? StatusCodes.Status200OK : StatusCodes.Status404NotFound;
            await context.Response.WriteAsync("{\"title\":\"Unknown job\"}", context.RequestAborted);
        });
        await app.StartAsync();
        return server;
    }

    private sealed class TestServer(WebApplication app) : IAsyncDisposable
    {
        private int _requests;

        public int Requests => Volatile.Read(ref _requests);

        public Uri Address => new(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

        public void Counted() => Interlocked.Increment(ref _requests);

        public ValueTask DisposeAsync() => app.DisposeAsync();
    }
}
