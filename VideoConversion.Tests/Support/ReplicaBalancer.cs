using System.Net.Sockets;

namespace VideoConversion.Tests.Support;

/// <summary>
/// What a load balancer in front of API replicas does (a Kubernetes Service, an ingress): each request goes to the next
/// replica in turn, and a replica that refuses connections is passed over until it is back. The AppHost's own proxy
/// keeps sending connections to a replica that died, so the replica tests balance themselves, over each replica's own port.
/// </summary>
public sealed class ReplicaBalancer(Func<IReadOnlyList<Uri>> replicas) : DelegatingHandler(new SocketsHttpHandler())
{
    private int _next;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var addresses = replicas();
        Assert.NotEmpty(addresses);
        var path = request.RequestUri!.PathAndQuery;
        for (var tried = 0; ; tried++)
        {
            var address = addresses[(int)((uint)Interlocked.Increment(ref _next) % addresses.Count)];
            request.RequestUri = new Uri(address, path);
            try
            {
                return await base.SendAsync(request, cancellationToken);
            }
            catch (HttpRequestException exception) when (exception.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused } &&
                                                          tried < addresses.Count)
            {
                // Nothing was sent to a replica that refused the connection: the next one may take the request.
            }
        }
    }
}
