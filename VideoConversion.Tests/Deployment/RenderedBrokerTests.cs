using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using k8s.Models;
using RabbitMQ.Client;
using VideoConversion.Contracts.Messaging;
using VideoConversion.Infrastructure.Messaging;
using VideoConversion.Tests.Support;
using VideoConversion.Tests.Support.Kubernetes;

namespace VideoConversion.Tests.Deployment;

/// <summary>
/// The broker's rendered configuration is run, not only parsed: Debian's RabbitMQ boots with the
/// ConfigMap files laid out as the pod mounts them (behind the kubelet's "..data" symlinks), the
/// environment the StatefulSet sets, and the definitions its init container writes from the Secret.
/// Pod paths are rewritten into a temporary root, and the test adds one file of free ports beside
/// the configuration; nothing else differs from the pod.
/// </summary>
public sealed class RenderedBrokerTests(MinikubeManifests manifests) : IClassFixture<MinikubeManifests>, IDisposable
{
    private const string PodConfigRoot = "/etc/rabbitmq/";
    private static readonly TimeSpan BootTimeout = TimeSpan.FromSeconds(90);

    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("videoconversion-broker-");

    /// <summary>One per test, kept across its boots: the node's data is found by its name.</summary>
    private readonly string _nodeName = $"rendered-{Guid.NewGuid():N}"[..18];

    [Fact]
    public async Task The_rendered_broker_boots_with_its_plugins_users_permissions_and_dashboard_metrics()
    {
        var rendered = manifests.Rendered;
        await using var node = await BootAsync(secretOverrides: null);
        string Credential(string key) => RenderedManifests.SecretValue(Secret(), key);

        // The API's user declares the whole topology, as the API does on a fresh broker.
        await using (var api = await ConnectAsync(node, Credential("api-username"), Credential("api-password")))
        await using (var channel = await api.CreateChannelAsync())
        {
            await MessagingTopology.DeclareAsync(channel, CancellationToken.None);
            await channel.BasicPublishAsync(QueueNames.ExchangeFor(QueueNames.VideoJobs), QueueNames.VideoJobs, mandatory: true,
                new BasicProperties { Persistent = true }, "{}"u8.ToArray());
        }

        // The worker's user takes the job and reports.
        await using (var worker = await ConnectAsync(node, Credential("worker-username"), Credential("worker-password")))
        await using (var channel = await worker.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true)))
        {
            var job = await channel.BasicGetAsync(QueueNames.VideoJobs, autoAck: false);
            Assert.NotNull(job);
            await channel.BasicNackAsync(job.DeliveryTag, multiple: false, requeue: true); // kept for the depth checks below
            await channel.BasicPublishAsync(QueueNames.ExchangeFor(QueueNames.JobReports), QueueNames.JobReports, mandatory: true,
                new BasicProperties { Persistent = true }, "{}"u8.ToArray());
        }

        // Storage's user announces an upload as MinIO does: it declares the uploads' exchange, then publishes to it.
        await using (var storage = await ConnectAsync(node, Credential("storage-username"), Credential("storage-password")))
        await using (var channel = await storage.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true)))
        {
            await channel.ExchangeDeclareAsync(QueueNames.ExchangeFor(QueueNames.UploadEvents), ExchangeType.Direct, durable: true, autoDelete: false);
            await channel.BasicPublishAsync(QueueNames.ExchangeFor(QueueNames.UploadEvents), QueueNames.UploadEvents, mandatory: true,
                new BasicProperties { Persistent = true }, "{}"u8.ToArray());
        }

        // KEDA's user reads the queue's depth from the management plugin, as the ScaledObject asks.
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        // (The plugin publishes a new queue's numbers after its first statistics interval.)
        var depth = await Polling.WaitForAsync(async () =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{node.ManagementPort}/api/queues/%2F/{QueueNames.VideoJobs}");
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
                Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Credential("scaler-username")}:{Credential("scaler-password")}")));
            using var response = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var queue = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            return queue.RootElement.TryGetProperty("messages", out var messages) ? messages.GetRawText() : null;
        }, "the queue's depth, as KEDA reads it", TimeSpan.FromSeconds(30));
        Assert.Equal("1", depth);

        // The Prometheus plugin answers the scrape the monitoring config makes, with every series the dashboards use.
        var scrape = Scrape(rendered);
        Assert.NotEmpty(DashboardSeries());
        var metrics = await Polling.WaitForAsync(async () =>
        {
            var text = await http.GetStringAsync($"http://127.0.0.1:{node.PrometheusPort}{scrape}");
            return DashboardSeries().All(series => text.Contains($"{series}{{", StringComparison.Ordinal) && text.Contains($"queue=\"{QueueNames.VideoJobs}\"", StringComparison.Ordinal))
                ? text
                : null;
        }, "the dashboards' RabbitMQ series", TimeSpan.FromSeconds(30));
        Assert.All(DashboardSeries(), series => Assert.Contains(series, metrics, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_rotated_password_replaces_the_one_the_brokers_volume_kept()
    {
        var user = RenderedManifests.SecretValue(Secret(), "api-username");
        var before = RenderedManifests.SecretValue(Secret(), "api-password");
        await using (var node = await BootAsync(secretOverrides: null))
        await using (await ConnectAsync(node, user, before))
        {
        }

        // generate-secrets wrote a new value; the pod starts again on the same volume.
        var after = $"Rotated{Guid.NewGuid():N}";
        await using (var node = await BootAsync(new Dictionary<string, string> { ["api-password"] = after }))
        {
            await using (await ConnectAsync(node, user, after))
            {
            }

            await Assert.ThrowsAnyAsync<RabbitMQ.Client.Exceptions.BrokerUnreachableException>(() => new ConnectionFactory
            {
                HostName = "127.0.0.1", Port = node.AmqpPort, UserName = user, Password = before,
            }.CreateConnectionAsync());
        }
    }

    /// <summary>
    /// The pod, started on this machine: its init containers run, its ConfigMaps laid out, RabbitMQ
    /// started with the container's environment. The same data directory and node name every time,
    /// as the StatefulSet's volume is.
    /// </summary>
    private async Task<RabbitMQNode> BootAsync(IReadOnlyDictionary<string, string>? secretOverrides)
    {
        var pod = manifests.Rendered.Named<V1StatefulSet>("messaging").Spec.Template.Spec;
        var files = new PodFiles(manifests.Rendered, pod, _root.FullName, secretOverrides);
        string Local(string text) => text.Replace(PodConfigRoot, files.Local(PodConfigRoot), StringComparison.Ordinal);

        foreach (var init in pod.InitContainers ?? [])
        {
            await files.RunAsync(init, Local);
        }

        var broker = pod.Containers.Single();
        files.Mount(broker, Local);
        var environment = broker.Env.ToDictionary(variable => variable.Name, variable => Local(files.Value(variable)));
        var configFiles = environment["RABBITMQ_CONFIG_FILES"];
        return RabbitMQNode.Start(_root.FullName, _nodeName, environment, ports =>
            File.WriteAllText(Path.Combine(Path.GetDirectoryName(configFiles)!, "99-test-ports.conf"), ports));
    }

    private V1Secret Secret() =>
        manifests.Rendered.All<V1Secret>().Single(item => item.Metadata.Name.StartsWith("messaging-credentials", StringComparison.Ordinal));

    private static async Task<IConnection> ConnectAsync(RabbitMQNode node, string user, string password)
    {
        var deadline = DateTimeOffset.UtcNow + BootTimeout;
        while (true)
        {
            try
            {
                return await new ConnectionFactory
                {
                    HostName = "127.0.0.1",
                    Port = node.AmqpPort,
                    UserName = user,
                    Password = password,
                }.CreateConnectionAsync();
            }
            catch (RabbitMQ.Client.Exceptions.BrokerUnreachableException) when (!node.HasExited && DateTimeOffset.UtcNow < deadline)
            {
                await Task.Delay(500);
            }
            catch (Exception exception) when (node.HasExited || DateTimeOffset.UtcNow >= deadline)
            {
                throw new Xunit.Sdk.XunitException($"RabbitMQ did not accept {user} ({exception.Message}); it printed:\n{node.Output}");
            }
        }
    }

    /// <summary>The path and query Prometheus scrapes the broker with (manifests/monitoring/prometheus.yml).</summary>
    private static string Scrape(RenderedManifests rendered)
    {
        var config = rendered.All<V1ConfigMap>().Select(map => map.Data).Where(data => data is not null)
            .SelectMany(data => data.Values).Single(value => value.Contains("job_name: rabbitmq", StringComparison.Ordinal));
        var job = config[config.IndexOf("job_name: rabbitmq", StringComparison.Ordinal)..];
        var path = System.Text.RegularExpressions.Regex.Match(job, @"metrics_path:\s*(\S+)").Groups[1].Value;
        var families = System.Text.RegularExpressions.Regex.Match(job, @"family:\s*\[([^\]]*)\]").Groups[1].Value
            .Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        return path + "?" + string.Join('&', families.Select(family => $"family={family}"));
    }

    private static IEnumerable<string> DashboardSeries() =>
        DashboardQueries.Dashboards().Values.SelectMany(DashboardQueries.Expressions)
            .SelectMany(expression => System.Text.RegularExpressions.Regex.Matches(expression, @"\brabbitmq_[a-z_]+").Select(match => match.Value))
            .Distinct(StringComparer.Ordinal);

    public void Dispose() => _root.Delete(recursive: true);
}
