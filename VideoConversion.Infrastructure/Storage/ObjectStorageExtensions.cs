using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Minio;
using Minio.DataModel.Args;

namespace VideoConversion.Infrastructure.Storage;

public static class ObjectStorageExtensions
{
    private static readonly TimeSpan HealthCheckTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Registers an <see cref="IMinioClient"/> for the S3-compatible storage named in
    /// <c>ConnectionStrings:{connectionName}</c>, and a readiness check that it answers and holds
    /// <paramref name="readinessBucket"/>, a bucket this service's storage user may list.
    /// </summary>
    public static IHostApplicationBuilder AddObjectStorage(this IHostApplicationBuilder builder, string connectionName, string readinessBucket)
    {
        var connectionString = builder.Configuration.GetConnectionString(connectionName)
            ?? throw new InvalidOperationException(
                $"Connection string '{connectionName}' is missing: set ConnectionStrings__{connectionName} " +
                "to 'Endpoint=http://host:9000;AccessKey=...;SecretKey=...'.");
        var connection = StorageConnection.Parse(connectionString, connectionName);

        builder.Services.AddSingleton(connection);
        builder.Services.AddSingleton<StorageRequestMetrics>();
        builder.Services.AddSingleton(services => CreateClient(
            connection.Endpoint, connection, new StorageRequestMetrics.CountingHandler(services.GetRequiredService<StorageRequestMetrics>())));
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            connectionName, services => new ObjectStorageHealthCheck(services.GetRequiredService<IMinioClient>(), readinessBucket),
            failureStatus: null, tags: ["ready"]));
        return builder;
    }

    /// <summary>A client for <paramref name="endpoint"/>; presigned URLs are signed for that host.</summary>
    /// <param name="handler">What sends its requests (by default the SDK's own); the client disposes of it.</param>
    public static IMinioClient CreateClient(Uri endpoint, StorageConnection connection, HttpMessageHandler? handler = null) =>
        (handler is null ? new MinioClient() : new MinioClient().WithHttpClient(new HttpClient(handler), disposeHttpClient: true))
            .WithEndpoint(endpoint.Host, endpoint.Port)
            .WithCredentials(connection.AccessKey, connection.SecretKey)
            .WithSSL(endpoint.Scheme == Uri.UriSchemeHttps)
            // A fixed region keeps the SDK from asking the server for it before every presign.
            .WithRegion("us-east-1")
            // No client-wide timeout: it would cut off large videos. Each caller bounds its own
            // operation with a cancellation token (the worker's TransferTimeout, the request's abort).
            .Build();

    /// <summary>Storage answers this service's credentials, and its set-up has created the bucket (services may not create buckets).</summary>
    private sealed class ObjectStorageHealthCheck(IMinioClient client, string bucket) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(HealthCheckTimeout);
            try
            {
                return await client.BucketExistsAsync(new BucketExistsArgs().WithBucket(bucket), timeout.Token)
                    ? HealthCheckResult.Healthy()
                    : HealthCheckResult.Unhealthy($"Bucket '{bucket}' does not exist: storage set-up has not run.");
            }
            catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
            {
                return HealthCheckResult.Unhealthy("Object storage does not answer.", exception);
            }
        }
    }
}
