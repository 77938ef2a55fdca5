using System.Globalization;
using k8s.Models;
using Microsoft.Extensions.Hosting;
using VideoConversion.AppHost.Resources;
using VideoConversion.Contracts.Storage;
using VideoConversion.Infrastructure.Messaging;
using VideoConversion.Infrastructure.Storage;
using VideoConversion.Tests.Support;
using VideoConversion.Tests.Support.Kubernetes;
using VideoConversion.Worker.Conversion;
using VideoConversion.Worker.Extensions;

namespace VideoConversion.Tests.Deployment;

/// <summary>
/// The workloads manifests/ deploys, rendered with `kubectl kustomize` and read through the
/// Kubernetes client's models: shapes, probes, resources, security and storage as reviewed.
/// </summary>
public sealed class WorkloadManifestTests(MinikubeManifests manifests) : IClassFixture<MinikubeManifests>
{
    private static readonly string[] Resources = ["cpu", "memory"];

    private readonly RenderedManifests _rendered = manifests.Rendered;

    [Theory]
    [InlineData("base")]
    [InlineData("monitoring")]
    [InlineData("postgres")]
    [InlineData(MinikubeManifests.Overlay)]
    [InlineData(HighAvailabilityManifests.Overlay)]
    public async Task Every_kustomization_renders_into_objects_of_one_namespace(string kustomization)
    {
        var rendered = await RenderedManifests.RenderAsync(kustomization);

        Assert.NotEmpty(rendered.Objects);
        Assert.All(rendered.Objects.OfType<k8s.IKubernetesObject<V1ObjectMeta>>().Where(item => item is not V1Namespace),
            item => Assert.Equal("videoconversion", item.Metadata.NamespaceProperty));
    }

    [Fact]
    public void Every_container_has_cpu_and_memory_requests_and_limits()
    {
        var containers = _rendered.PodTemplates().SelectMany(pod => pod.Template.Spec.Containers.Select(container => (pod.Workload, container))).ToList();

        Assert.Equal(["api", "aspire-dashboard", "grafana", "messaging", "prometheus", "storage", "storage-setup", "web", "worker"],
            containers.Select(item => item.Workload).Distinct().Order(StringComparer.Ordinal));
        Assert.All(containers, item =>
        {
            foreach (var resource in Resources)
            {
                Assert.True(item.container.Resources?.Requests?.ContainsKey(resource) == true, $"{item.Workload}: no {resource} request");
                Assert.True(item.container.Resources?.Limits?.ContainsKey(resource) == true, $"{item.Workload}: no {resource} limit");
            }
        });
    }

    [Fact]
    public void Nothing_runs_as_root_or_can_gain_privileges_or_make_unfiltered_system_calls()
    {
        Assert.All(_rendered.PodTemplates(), pod =>
        {
            var security = pod.Template.Spec.SecurityContext;
            Assert.True(security?.RunAsNonRoot == true, $"{pod.Workload}: runAsNonRoot is not set");
            Assert.True(security.RunAsUser is > 0, $"{pod.Workload}: runs as user {security.RunAsUser}");
            Assert.True(security.SeccompProfile?.Type == "RuntimeDefault", $"{pod.Workload}: no RuntimeDefault seccomp profile");
            Assert.All(pod.Template.Spec.Containers, container =>
            {
                Assert.False(container.SecurityContext?.AllowPrivilegeEscalation ?? true, $"{pod.Workload}: privilege escalation allowed");
                Assert.Contains("ALL", container.SecurityContext!.Capabilities?.Drop ?? []);
            });
        });
    }

    [Theory]
    [InlineData("api")]
    [InlineData("worker")]
    [InlineData("web")]
    public void Our_services_run_as_the_unprivileged_user_of_their_images(string service)
    {
        // The .NET images' "app" user (APP_UID), which the Dockerfiles switch to.
        const long appUid = 1654;
        var pod = _rendered.Named<V1Deployment>(service).Spec.Template.Spec;
        Assert.Equal(appUid, pod.SecurityContext.RunAsUser);
        Assert.True(pod.Containers.Single().SecurityContext.ReadOnlyRootFilesystem, $"{service} can write to its image");
    }

    [Fact]
    public void The_api_is_one_replica_replaced_with_recreate_on_a_read_write_once_volume()
    {
        var api = _rendered.Named<V1Deployment>("api");
        Assert.Equal(1, api.Spec.Replicas);
        Assert.Equal("Recreate", api.Spec.Strategy.Type);

        var container = api.Spec.Template.Spec.Containers.Single();
        var mount = Assert.Single(container.VolumeMounts, mount => mount.Name == "data");
        var volume = api.Spec.Template.Spec.Volumes.Single(volume => volume.Name == "data");
        var claim = _rendered.Named<V1PersistentVolumeClaim>(volume.PersistentVolumeClaim.ClaimName);
        Assert.Equal(["ReadWriteOnce"], claim.Spec.AccessModes);
        // The database the API opens is on that volume.
        Assert.Equal($"Data Source={mount.MountPath}/jobs.db", Env(container, "ConnectionStrings__jobs"));
    }

    [Theory]
    [InlineData("api")]
    [InlineData("worker")]
    [InlineData("web")]
    public void Services_are_probed_on_endpoints_that_exist_in_production(string service)
    {
        // ServiceDefaultsTests shows these paths answer in Production.
        var container = _rendered.Named<V1Deployment>(service).Spec.Template.Spec.Containers.Single();

        Assert.Equal(Extensions.HealthEndpointPath, container.ReadinessProbe.HttpGet.Path);
        Assert.Equal(Extensions.AlivenessEndpointPath, container.LivenessProbe.HttpGet.Path);
        Assert.Equal(Extensions.AlivenessEndpointPath, container.StartupProbe.HttpGet.Path);
        Assert.Contains(container.Ports, port => port.Name == "http" && port.ContainerPort == 8080);
        Assert.Equal("8080", Env(container, "HTTP_PORTS"));

        // /health and /metrics answer on the management port only (ServiceDefaultsTests): readiness and
        // Prometheus go there, at the port the AppHost gives every service in a deployment.
        Assert.Equal("management", container.ReadinessProbe.HttpGet.Port.Value);
        Assert.Contains(container.Ports, port => port.Name == "management" && port.ContainerPort == ManagementEndpoint.TargetPort);
        Assert.Equal(ManagementEndpoint.TargetPort.ToString(CultureInfo.InvariantCulture), Env(container, ManagementEndpoint.PortVariable));
        var annotations = _rendered.Named<V1Deployment>(service).Spec.Template.Metadata.Annotations;
        Assert.Equal("true", annotations["prometheus.io/scrape"]);
        Assert.Equal(Extensions.MetricsEndpointPath, annotations["prometheus.io/path"]);
        Assert.Equal(ManagementEndpoint.TargetPort.ToString(CultureInfo.InvariantCulture), annotations["prometheus.io/port"]);
    }

    [Fact]
    public void Worker_replicas_belong_to_keda_and_its_grace_period_outlasts_the_drain()
    {
        var worker = _rendered.Named<V1Deployment>("worker");
        Assert.Null(worker.Spec.Replicas);

        var container = worker.Spec.Template.Spec.Containers.Single();
        var drain = TimeSpan.Parse(Env(container, "Conversion__DrainTimeout"), System.Globalization.CultureInfo.InvariantCulture);
        // Scale-in may stop a busy worker: its drain must cover the longest job it allows.
        var limits = new ConversionOptions();
        // Probe the input, download it, convert, check the output (another probe), upload it.
        var longestJob = limits.ProbeTimeout + limits.TransferTimeout + limits.MaxConversionTime + limits.ProbeTimeout + limits.TransferTimeout;
        Assert.True(drain >= longestJob, $"a drain of {drain} can cut short a job of up to {longestJob}");
        Assert.DoesNotContain(container.Env, variable => variable.Name is "Conversion__MaxConversionTime" or "Conversion__TransferTimeout" or "Conversion__ProbeTimeout");
        var grace = TimeSpan.FromSeconds(worker.Spec.Template.Spec.TerminationGracePeriodSeconds ?? 30);
        Assert.True(grace >= drain + WorkerServiceExtensions.ShutdownMargin,
            $"terminationGracePeriodSeconds {grace.TotalSeconds} s < drain {drain.TotalSeconds} s + shutdown margin");

        var scratch = Env(container, "Conversion__ScratchDirectory");
        Assert.Contains(container.VolumeMounts, mount => mount.MountPath == scratch);
        Assert.Equal("ffmpeg", Env(container, "Conversion__FFmpegPath"));
    }

    [Fact]
    public void Rabbitmq_is_a_stateful_set_with_its_plugins_and_a_consumer_timeout_above_the_longest_job()
    {
        var broker = _rendered.Named<V1StatefulSet>("messaging");
        Assert.Single(broker.Spec.VolumeClaimTemplates, claim => claim.Spec.AccessModes.Contains("ReadWriteOnce"));
        var container = broker.Spec.Template.Spec.Containers.Single();
        Assert.Contains(container.VolumeMounts, mount => mount.MountPath == "/var/lib/rabbitmq");

        var config = _rendered.Generated<V1ConfigMap>("messaging-config");
        Assert.Contains("rabbitmq_management", config.Data["enabled_plugins"], StringComparison.Ordinal);
        Assert.Contains("rabbitmq_prometheus", config.Data["enabled_plugins"], StringComparison.Ordinal);
        // The ConfigMap is generated from the file the AppHost reads: the cluster's broker and the local one agree.
        var timeout = BrokerConfiguration.ConsumerTimeout(config.Data["rabbitmq.conf"].Split('\n'), "the rendered messaging-config");
        Assert.Equal(BrokerConfiguration.ConsumerTimeout(RepositoryPaths.Root), timeout);
        var worker = new ConversionOptions();
        Assert.True(timeout > worker.MaxTurnWait + worker.ProbeTimeout * 2 + worker.MaxConversionTime + worker.TransferTimeout * 2,
            "a prefetched job's wait for its turn, then its conversion with its probes, download and upload, must end before the broker takes the job back");
    }

    [Fact]
    public void Minio_keeps_its_data_on_a_volume_and_a_job_creates_the_buckets_users_and_cors()
    {
        var storage = _rendered.Named<V1Deployment>("storage");
        Assert.Equal("Recreate", storage.Spec.Strategy.Type);
        var volume = storage.Spec.Template.Spec.Volumes.Single(volume => volume.PersistentVolumeClaim is not null);
        Assert.Equal(["ReadWriteOnce"], _rendered.Named<V1PersistentVolumeClaim>(volume.PersistentVolumeClaim.ClaimName).Spec.AccessModes);

        var job = _rendered.Named<V1Job>("storage-setup").Spec.Template.Spec;
        var setup = job.Containers.Single();
        Assert.Equal(StorageNames.InputBucket, Env(setup, "INPUT_BUCKET"));
        Assert.Equal(StorageNames.OutputBucket, Env(setup, "OUTPUT_BUCKET"));
        Assert.Equal(["/bin/sh", "/setup/setup.sh"], setup.Command);
        var mount = setup.VolumeMounts.Single(item => item.MountPath == "/setup");
        var files = _rendered.Generated<V1ConfigMap>("storage-setup");
        Assert.Equal(files.Metadata.Name, job.Volumes.Single(item => item.Name == mount.Name).ConfigMap.Name);

        // The very files the AppHost uses for MinIO and the stand-in.
        var directory = Path.Combine(RepositoryPaths.Root, "manifests", "base", "storage");
        foreach (var file in new[] { "setup.sh", "api-policy.json", "worker-policy.json" })
        {
            Assert.Equal(File.ReadAllText(Path.Combine(directory, file)), files.Data[file]);
        }

        var script = files.Data["setup.sh"];
        Assert.Contains("mb --ignore-existing \"store/$INPUT_BUCKET\" \"store/$OUTPUT_BUCKET\"", script, StringComparison.Ordinal);
        Assert.Contains("cors_allow_origin=\"$WEB_ORIGIN\"", script, StringComparison.Ordinal);
        var origin = setup.Env.Single(variable => variable.Name == "WEB_ORIGIN").ValueFrom.ConfigMapKeyRef;
        Assert.Equal(_rendered.Generated<V1ConfigMap>("public-endpoints").Metadata.Name, origin.Name);
    }

    [Fact]
    public void Each_service_holds_the_storage_keys_the_setup_job_gives_its_own_user_and_never_the_root_keys()
    {
        var setup = _rendered.Named<V1Job>("storage-setup").Spec.Template.Spec.Containers.Single();
        var root = setup.Env.Single(variable => variable.Name == "ROOT_SECRET_KEY").ValueFrom.SecretKeyRef;
        foreach (var service in new[] { "api", "worker" })
        {
            var container = _rendered.Named<V1Deployment>(service).Spec.Template.Spec.Containers.Single();
            var prefix = service.ToUpperInvariant();
            foreach (var (deployed, given) in new[] { ("STORAGE_ACCESS_KEY", $"{prefix}_ACCESS_KEY"), ("STORAGE_SECRET_KEY", $"{prefix}_SECRET_KEY") })
            {
                var held = container.Env.Single(variable => variable.Name == deployed).ValueFrom.SecretKeyRef;
                var made = setup.Env.Single(variable => variable.Name == given).ValueFrom.SecretKeyRef;
                Assert.Equal((made.Name, made.Key), (held.Name, held.Key));
            }

            Assert.DoesNotContain(container.Env, variable => variable.ValueFrom?.SecretKeyRef is { } secret && secret.Name == root.Name && secret.Key == root.Key);
        }
    }

    [Fact]
    public void Credentials_come_only_from_generated_secrets_never_from_well_known_defaults()
    {
        foreach (var file in Directory.EnumerateFiles(Path.Combine(RepositoryPaths.Root, "manifests"), "*", SearchOption.AllDirectories)
                     .Where(file => !file.EndsWith(".env", StringComparison.Ordinal)))
        {
            var text = File.ReadAllText(file);
            Assert.DoesNotContain("guest", text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("minioadmin", text, StringComparison.OrdinalIgnoreCase);
        }

        var secretNames = _rendered.All<V1Secret>().Select(secret => secret.Metadata.Name).ToHashSet();
        Assert.All(_rendered.PodTemplates().SelectMany(pod => pod.Template.Spec.Containers.Concat(pod.Template.Spec.InitContainers ?? [])), container =>
            Assert.All((container.Env ?? []).Where(IsCredential), variable =>
            {
                Assert.Null(variable.Value);
                Assert.Contains(variable.ValueFrom.SecretKeyRef.Name, secretNames);
            }));
        Assert.Equal("videoconversion", RenderedManifests.SecretValue(_rendered.Generated<V1Secret>("messaging-credentials"), "username"));
        foreach (var (secret, key) in new[]
                 {
                     ("messaging-credentials", "password"), ("storage-credentials", "secret-key"), ("grafana-credentials", "admin-password"),
                     ("aspire-dashboard", "otlp-api-key"), ("aspire-dashboard", "browser-token"),
                 })
        {
            var value = RenderedManifests.SecretValue(_rendered.Generated<V1Secret>(secret), key);
            Assert.True(value.Length >= 24 && value.All(char.IsAsciiLetterOrDigit), $"{secret}/{key} is not a long random password");
        }
    }

    [Theory]
    [InlineData("api")]
    [InlineData("worker")]
    public void Services_wait_for_the_broker_before_they_start_and_say_so(string service)
    {
        var pod = _rendered.Named<V1Deployment>(service).Spec.Template.Spec;
        var wait = Assert.Single(pod.InitContainers ?? []);
        var script = string.Join('\n', wait.Args);
        var messaging = _rendered.Named<V1Service>("messaging").Spec.Ports.Single(port => port.Name == "tcp");
        Assert.Contains($"/dev/tcp/messaging/{messaging.Port}", script, StringComparison.Ordinal);
        Assert.Contains("echo \"waiting for RabbitMQ", script, StringComparison.Ordinal);
        // The service's own image (already on the node), with bash for /dev/tcp.
        Assert.Equal(pod.Containers.Single().Image, wait.Image);
        Assert.Equal("/bin/bash", wait.Command[0]);
    }

    [Fact]
    public void The_pages_keys_live_on_a_volume_that_outlives_its_pod()
    {
        var pod = _rendered.Named<V1Deployment>("web").Spec.Template.Spec;
        var container = pod.Containers.Single();
        var directory = Env(container, "DataProtection__KeysDirectory");
        var mount = container.VolumeMounts.Single(item => item.MountPath == directory);
        var claim = pod.Volumes.Single(item => item.Name == mount.Name).PersistentVolumeClaim.ClaimName;
        Assert.Equal(["ReadWriteOnce"], _rendered.Named<V1PersistentVolumeClaim>(claim).Spec.AccessModes);
        Assert.Equal("Recreate", _rendered.Named<V1Deployment>("web").Spec.Strategy.Type);
    }

    [Fact]
    public void Every_pod_that_mounts_a_volume_claim_can_write_it_whoever_owns_the_disk()
    {
        var claimed = _rendered.PodTemplates()
            .Where(pod => (pod.Template.Spec.Volumes ?? []).Any(volume => volume.PersistentVolumeClaim is not null) ||
                          _rendered.All<V1StatefulSet>().Any(set => set.Metadata.Name == pod.Workload && set.Spec.VolumeClaimTemplates is { Count: > 0 }))
            .ToList();
        Assert.Contains(claimed, pod => pod.Workload == "web");
        Assert.All(claimed, pod => Assert.True(pod.Template.Spec.SecurityContext?.FsGroup is not null, $"{pod.Workload} sets no fsGroup"));
    }

    [Fact]
    public void Storage_lets_the_page_upload_from_either_name_of_this_machine()
    {
        var origins = _rendered.Generated<V1ConfigMap>("public-endpoints").Data["WEB_ORIGIN"].Split(',');
        Assert.Contains("http://localhost:8080", origins);
        Assert.Contains("http://127.0.0.1:8080", origins);
    }

    [Fact]
    public void The_storage_setup_script_uses_only_the_shell_and_mc_which_the_minio_image_has()
    {
        // The MinIO image is minimal: no grep, sed, awk, curl or jq.
        var script = File.ReadAllLines(Path.Combine(RepositoryPaths.Root, "manifests", "base", "storage", "setup.sh"))
            .Where(line => !line.TrimStart().StartsWith('#'));
        Assert.DoesNotContain(script, line => System.Text.RegularExpressions.Regex.IsMatch(line, @"\b(grep|sed|awk|curl|wget|jq|tr|cut)\b"));
    }

    private static bool IsCredential(V1EnvVar variable) =>
        variable.Name.EndsWith("PASSWORD", StringComparison.Ordinal) || variable.Name.EndsWith("PASS", StringComparison.Ordinal) ||
        variable.Name.EndsWith("SECRET_KEY", StringComparison.Ordinal) || variable.Name.EndsWith("ROOT_USER", StringComparison.Ordinal);

    private static string Env(V1Container container, string name) =>
        container.Env.SingleOrDefault(variable => variable.Name == name)?.Value
        ?? throw new Xunit.Sdk.XunitException($"{container.Name} has no {name} value.");
}
