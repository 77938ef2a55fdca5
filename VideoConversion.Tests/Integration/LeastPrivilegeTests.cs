using System.Net;
using Aspire.Hosting.Testing;
using Minio;
using Minio.DataModel.Args;
using RabbitMQ.Client;
using VideoConversion.Api.Storage;
using VideoConversion.Contracts.Messaging;
using VideoConversion.Contracts.Storage;
using VideoConversion.Infrastructure.Messaging;
using VideoConversion.Infrastructure.Storage;
using VideoConversion.Tests.Support;

namespace VideoConversion.Tests.Integration;

/// <summary>
/// Each service runs with credentials of its own, limited to what it does, on storage and on the
/// broker; the root keys stay with the operator. Requests are made with the very credentials the
/// running services hold (read from their processes), as a compromised service would make them.
/// </summary>
[Collection(WholeSystem.Name)]
public sealed class LeastPrivilegeTests(SystemFixture system)
{
    private static readonly TimeSpan UrlLifetime = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task No_service_holds_the_root_keys_of_storage_or_the_broker()
    {
        var storageRoot = await StorageAsync("storage");
        var brokerAdmin = new Uri((await system.App.GetConnectionStringAsync("messaging"))!);
        var adminPassword = brokerAdmin.UserInfo.Split(':')[1];

        var users = new Dictionary<string, (string StorageKey, string BrokerUser)>();
        foreach (var service in new[] { "api", "worker" })
        {
            var environment = await system.App.EnvironmentAsync(service);
            Assert.DoesNotContain(environment, variable => variable.Value.Contains(storageRoot.SecretKey, StringComparison.Ordinal));
            Assert.DoesNotContain(environment, variable => variable.Value.Contains(adminPassword, StringComparison.Ordinal));

            var storage = StorageConnection.Parse(environment["ConnectionStrings__storage"], service);
            var broker = new Uri(environment["ConnectionStrings__messaging"]);
            Assert.NotEqual(storageRoot.AccessKey, storage.AccessKey);
            Assert.NotEqual(brokerAdmin.UserInfo.Split(':')[0], broker.UserInfo.Split(':')[0]);
            users[service] = (storage.AccessKey, broker.UserInfo.Split(':')[0]);
        }

        Assert.NotEqual(users["api"].StorageKey, users["worker"].StorageKey);
        Assert.NotEqual(users["api"].BrokerUser, users["worker"].BrokerUser);
    }

    [Fact]
    public async Task The_worker_may_read_uploads_and_write_results_and_nothing_else_in_storage()
    {
        var (upload, result) = await PlaceProbesAsync();
        var worker = await ServiceSignerAsync("worker");
        var ledger = StorageNames.AttemptLedgerKey(Guid.NewGuid().ToString("N"));

        await AssertStorageAnswersAsync(worker, [
            (HttpMethod.Get, StorageNames.InputBucket, upload, HttpStatusCode.OK),
            (HttpMethod.Put, StorageNames.InputBucket, upload, HttpStatusCode.Forbidden),
            (HttpMethod.Put, StorageNames.InputBucket, $"planted-{Guid.NewGuid():N}.mp4", HttpStatusCode.Forbidden),
            (HttpMethod.Delete, StorageNames.InputBucket, upload, HttpStatusCode.Forbidden),
            (HttpMethod.Get, StorageNames.InputBucket, null, HttpStatusCode.Forbidden), // no listing of others' uploads
            (HttpMethod.Put, StorageNames.OutputBucket, result, HttpStatusCode.OK),
            (HttpMethod.Get, StorageNames.OutputBucket, result, HttpStatusCode.OK),
            (HttpMethod.Delete, StorageNames.OutputBucket, result, HttpStatusCode.Forbidden),
            (HttpMethod.Put, StorageNames.OutputBucket, ledger, HttpStatusCode.OK),
            (HttpMethod.Delete, StorageNames.OutputBucket, ledger, HttpStatusCode.NoContent),
            (HttpMethod.Put, $"bucket-{Guid.NewGuid():N}"[..20], null, HttpStatusCode.Forbidden),
        ]);
    }

    [Fact]
    public async Task The_api_may_sign_check_and_remove_uploads_and_read_and_expire_results_and_nothing_else_in_storage()
    {
        var (upload, result) = await PlaceProbesAsync();
        var api = await ServiceSignerAsync("api");
        var ownUpload = $"probe-{Guid.NewGuid():N}.mp4";

        await AssertStorageAnswersAsync(api, [
            (HttpMethod.Put, StorageNames.InputBucket, ownUpload, HttpStatusCode.OK),
            (HttpMethod.Head, StorageNames.InputBucket, upload, HttpStatusCode.OK),
            (HttpMethod.Delete, StorageNames.InputBucket, ownUpload, HttpStatusCode.NoContent),
            (HttpMethod.Get, StorageNames.OutputBucket, result, HttpStatusCode.OK),
            (HttpMethod.Put, StorageNames.OutputBucket, result, HttpStatusCode.Forbidden),
            (HttpMethod.Put, StorageNames.OutputBucket, $"planted-{Guid.NewGuid():N}.mp4", HttpStatusCode.Forbidden),
            // Retention removes results past their time.
            (HttpMethod.Delete, StorageNames.OutputBucket, result, HttpStatusCode.NoContent),
            (HttpMethod.Put, $"bucket-{Guid.NewGuid():N}"[..20], null, HttpStatusCode.Forbidden),
        ]);
    }

    [Fact]
    public async Task The_worker_may_take_jobs_and_send_reports_and_hear_cancellations_and_nothing_else_on_the_broker()
    {
        await using var connection = await ServiceConnectionAsync("worker");

        // Its one declaration: a private, server-named queue, bound to the cancellations' fanout.
        await using (var own = await connection.CreateChannelAsync())
        {
            var queue = await own.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true);
            await own.QueueBindAsync(queue.QueueName, QueueNames.ExchangeFor(QueueNames.JobCancellations), "");
        }

        // Bound to nothing else: no copy of every job, no listening in on the reports.
        await AssertRefusedAsync(connection, async channel =>
        {
            var queue = await channel.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true);
            await channel.QueueBindAsync(queue.QueueName, QueueNames.ExchangeFor(QueueNames.VideoJobs), QueueNames.VideoJobs);
        });
        await AssertRefusedAsync(connection, async channel =>
        {
            var queue = await channel.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true);
            await channel.QueueBindAsync(queue.QueueName, QueueNames.ExchangeFor(QueueNames.JobReports), QueueNames.JobReports);
        });
        await AssertRefusedAsync(connection, channel => PublishAsync(channel, QueueNames.ExchangeFor(QueueNames.JobCancellations))); // no forged cancellations

        await AssertRefusedAsync(connection, channel => channel.QueueDeclareAsync($"probe-{Guid.NewGuid():N}", durable: false, exclusive: false, autoDelete: true));
        await AssertRefusedAsync(connection, channel => channel.QueueDeleteAsync(QueueNames.VideoJobs));
        await AssertRefusedAsync(connection, channel => channel.QueuePurgeAsync(QueueNames.JobReports));
        await AssertRefusedAsync(connection, channel => PublishAsync(channel, QueueNames.ExchangeFor(QueueNames.VideoJobs))); // no forged jobs
        // Nor can it route jobs into the report queue (binding needs write on the queue, read on the exchange).
        await AssertRefusedAsync(connection, channel => channel.QueueBindAsync(QueueNames.JobReports, QueueNames.ExchangeFor(QueueNames.VideoJobs), QueueNames.VideoJobs));
        await AssertRefusedAsync(connection, channel => PublishAsync(channel, "")); // the default exchange reaches every queue
        await AssertRefusedAsync(connection, channel => channel.BasicConsumeAsync(QueueNames.JobReports, autoAck: false, new RabbitMQ.Client.Events.AsyncEventingBasicConsumer(channel)));
    }

    [Fact]
    public async Task The_api_may_touch_the_system_queues_and_nothing_else_on_the_broker()
    {
        await using var connection = await ServiceConnectionAsync("api");

        await AssertRefusedAsync(connection, channel => channel.QueueDeclareAsync($"probe-{Guid.NewGuid():N}", durable: false, exclusive: false, autoDelete: true));
        await AssertRefusedAsync(connection, channel => PublishAsync(channel, ""));
        await AssertRefusedAsync(connection, channel => PublishAsync(channel, "amq.topic"));
    }

    [Fact]
    public async Task Storage_may_announce_uploads_and_nothing_else_on_the_broker()
    {
        // The stand-in's own broker user, as MinIO's notification target would hold it.
        await using var connection = await new ConnectionFactory { Uri = new Uri((await system.App.EnvironmentAsync("storage"))["S3_NOTIFY_AMQP_URL"]) }
            .CreateConnectionAsync();
        var uploads = QueueNames.ExchangeFor(QueueNames.UploadEvents);

        // What MinIO does before each event: declare the exchange as the API does, then publish to it (an unreadable
        // event, which the API acknowledges and counts).
        await using (var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true)))
        {
            await channel.ExchangeDeclareAsync(uploads, ExchangeType.Direct, durable: true, autoDelete: false);
            await channel.BasicPublishAsync(uploads, QueueNames.UploadEvents, mandatory: true, new BasicProperties(), "{}"u8.ToArray());
        }

        await AssertRefusedAsync(connection, channel => PublishAsync(channel, QueueNames.ExchangeFor(QueueNames.VideoJobs))); // no forged jobs
        await AssertRefusedAsync(connection, channel => PublishAsync(channel, QueueNames.ExchangeFor(QueueNames.JobReports))); // nor reports
        await AssertRefusedAsync(connection, channel => PublishAsync(channel, ""));
        await AssertRefusedAsync(connection, channel => channel.BasicConsumeAsync(QueueNames.UploadEvents, autoAck: false, new RabbitMQ.Client.Events.AsyncEventingBasicConsumer(channel)));
        await AssertRefusedAsync(connection, channel => channel.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true));
        await AssertRefusedAsync(connection, channel => channel.QueueBindAsync(QueueNames.UploadEvents, uploads, "elsewhere"));
    }

    [Fact]
    public async Task The_s3_stand_in_holds_a_service_key_to_its_policy_however_the_request_is_put()
    {
        var (upload, _) = await PlaceProbesAsync();
        var root = await StorageAsync("storage");
        var worker = await ServiceStorageAsync("worker");

        // An old-style (V2) signature: valid, since the root's made the same way is taken, yet refused for the worker.
        Assert.Equal(HttpStatusCode.OK, await PutWithV2SignatureAsync(root, StorageNames.InputBucket, $"probe-{Guid.NewGuid():N}.mp4"));
        Assert.Equal(HttpStatusCode.Forbidden, await PutWithV2SignatureAsync(worker, StorageNames.InputBucket, upload));

        // A key under the worker's own prefix whose dot segments lead to the upload: refused as a name, not
        // as a signature, and the upload is untouched.
        var signed = new PresignedUrlSigner(worker, worker.Endpoint, TimeProvider.System)
            .Presign(HttpMethod.Put, StorageNames.OutputBucket, $"attempts/../../{StorageNames.InputBucket}/{upload}", UrlLifetime, contentLength: 3);
        var pathAndQuery = signed[signed.IndexOf('/', signed.IndexOf("://", StringComparison.Ordinal) + 3)..]
            .Replace("..", "%2E%2E", StringComparison.Ordinal); // as sent on the wire: an HTTP client would resolve ".."
        var answer = await RawPutAsync(worker.Endpoint, pathAndQuery, [7, 7, 7]);
        Assert.StartsWith("HTTP/1.1 400", answer, StringComparison.Ordinal);
        Assert.Contains("XMinioInvalidObjectName", answer, StringComparison.Ordinal);

        using var client = ObjectStorageExtensions.CreateClient(root.Endpoint, root);
        using var stored = new MemoryStream();
        await client.GetObjectAsync(new GetObjectArgs().WithBucket(StorageNames.InputBucket).WithObject(upload)
            .WithCallbackStream(stream => stream.CopyTo(stored)));
        Assert.Equal(new byte[] { 1, 2, 3 }, stored.ToArray());
    }

    /// <summary>A PUT signed as S3's version 2 does it in the Authorization header (HMAC-SHA1 of method, headers and resource).</summary>
    private static async Task<HttpStatusCode> PutWithV2SignatureAsync(StorageConnection connection, string bucket, string key)
    {
        var date = DateTimeOffset.UtcNow;
        var stringToSign = $"PUT\n\n\n\n/{bucket}/{key}";
#pragma warning disable CA5350 // SHA-1 is what version 2 signatures are: the test makes one to show it is refused.
        var signature = Convert.ToBase64String(System.Security.Cryptography.HMACSHA1.HashData(
            System.Text.Encoding.UTF8.GetBytes(connection.SecretKey), System.Text.Encoding.UTF8.GetBytes(stringToSign)));
#pragma warning restore CA5350
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Put, new Uri(connection.Endpoint, $"/{bucket}/{key}"))
        {
            Content = new ByteArrayContent([4, 5, 6]),
        };
        request.Headers.Date = date;
        request.Headers.TryAddWithoutValidation("Authorization", $"AWS {connection.AccessKey}:{signature}");
        using var response = await http.SendAsync(request);
        return response.StatusCode;
    }

    /// <summary>A PUT written to the socket as given, so nothing normalizes its path on the way.</summary>
    private static async Task<string> RawPutAsync(Uri endpoint, string pathAndQuery, byte[] body)
    {
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(endpoint.Host, endpoint.Port);
        await using var stream = tcp.GetStream();
        var head = $"PUT {pathAndQuery} HTTP/1.1\r\nHost: {endpoint.Host}:{endpoint.Port}\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(head));
        await stream.WriteAsync(body);
        using var reader = new StreamReader(stream);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        return await reader.ReadToEndAsync(timeout.Token);
    }

    private async Task<StorageConnection> StorageAsync(string resource) =>
        StorageConnection.Parse((await system.App.GetConnectionStringAsync(resource))!, resource);

    /// <summary>An upload and a result, placed with the root keys, for the services' users to try their hands on.</summary>
    private async Task<(string Upload, string Result)> PlaceProbesAsync()
    {
        var root = await StorageAsync("storage");
        using var client = ObjectStorageExtensions.CreateClient(root.Endpoint, root);
        var upload = $"probe-{Guid.NewGuid():N}.mp4";
        var result = $"probe-{Guid.NewGuid():N}.mp4";
        foreach (var (bucket, key) in new[] { (StorageNames.InputBucket, upload), (StorageNames.OutputBucket, result) })
        {
            using var body = new MemoryStream([1, 2, 3]);
            await client.PutObjectAsync(new PutObjectArgs().WithBucket(bucket).WithObject(key).WithStreamData(body).WithObjectSize(body.Length));
        }

        return (upload, result);
    }

    /// <summary>The storage connection the service's running process holds.</summary>
    private async Task<StorageConnection> ServiceStorageAsync(string service) =>
        StorageConnection.Parse((await system.App.EnvironmentAsync(service))["ConnectionStrings__storage"], service);

    private async Task<PresignedUrlSigner> ServiceSignerAsync(string service)
    {
        var connection = await ServiceStorageAsync(service);
        return new PresignedUrlSigner(connection, connection.Endpoint, TimeProvider.System);
    }

    private static async Task AssertStorageAnswersAsync(
        PresignedUrlSigner signer, IEnumerable<(HttpMethod Method, string Bucket, string? Key, HttpStatusCode Expected)> requests)
    {
        using var http = new HttpClient();
        var answers = new List<string>();
        var expected = new List<string>();
        foreach (var (method, bucket, key, status) in requests)
        {
            var body = method == HttpMethod.Put && key is not null ? new byte[] { 4, 5, 6 } : null;
            using var request = new HttpRequestMessage(method, signer.Presign(method, bucket, key, UrlLifetime, body?.Length));
            if (body is not null)
            {
                request.Content = new ByteArrayContent(body);
            }

            using var response = await http.SendAsync(request);
            answers.Add($"{method} {bucket}/{key}: {(int)response.StatusCode}");
            expected.Add($"{method} {bucket}/{key}: {(int)status}");
        }

        Assert.Equal(string.Join('\n', expected), string.Join('\n', answers));
    }

    private async Task<IConnection> ServiceConnectionAsync(string service) =>
        await new ConnectionFactory { Uri = new Uri((await system.App.EnvironmentAsync(service))["ConnectionStrings__messaging"]) }
            .CreateConnectionAsync();

    private static async Task PublishAsync(IChannel channel, string exchange) =>
        await channel.BasicPublishAsync(exchange, QueueNames.VideoJobs, mandatory: true, new BasicProperties(), "{}"u8.ToArray());

    /// <summary>The broker closes the channel with ACCESS_REFUSED (403), whether the operation waits for an answer or not.</summary>
    private static async Task AssertRefusedAsync(IConnection connection, Func<IChannel, Task> operation)
    {
        await using var channel = await connection.CreateChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        try
        {
            await operation(channel);
        }
        catch (Exception exception) when (exception is RabbitMQ.Client.Exceptions.RabbitMQClientException or RabbitMQ.Client.Exceptions.OperationInterruptedException)
        {
            // The refusal itself; its code is checked below.
        }

        await Polling.WaitUntilAsync(() => Task.FromResult(channel.IsClosed), "the broker to close the channel", TimeSpan.FromSeconds(10));
        Assert.Equal((ushort?)403, channel.CloseReason?.ReplyCode);
    }
}
