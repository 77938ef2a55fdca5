using System.Globalization;
using k8s.Models;
using Npgsql;
using VideoConversion.Tests.Support.Kubernetes;

namespace VideoConversion.Tests.Deployment;

/// <summary>
/// manifests/overlays/minikube-ha, rendered with `kubectl kustomize` and read through the Kubernetes client's models:
/// the API as several replicas on PostgreSQL that rollouts and drains never take down together, no SQLite volume,
/// the database reached as the application role from a Secret, the server a non-root StatefulSet only the API
/// reaches; and, wherever monitoring is deployed, every service's telemetry going to the Aspire dashboard.
/// </summary>
public sealed class HighAvailabilityManifestTests(HighAvailabilityManifests manifests) : IClassFixture<HighAvailabilityManifests>
{
    private const string Namespace = "videoconversion";

    private static readonly string[] Services = ["api", "worker", "web"];

    private readonly RenderedManifests _rendered = manifests.Rendered;

    private V1Deployment Api => _rendered.Named<V1Deployment>("api");

    private V1Container ApiContainer => Api.Spec.Template.Spec.Containers.Single(container => container.Name == "api");

    [Fact]
    public void The_api_runs_several_replicas_and_a_rollout_stops_one_only_once_its_successor_is_ready()
    {
        Assert.True(Api.Spec.Replicas >= 2, $"{Api.Spec.Replicas} API replica(s)");
        Assert.Equal("RollingUpdate", Api.Spec.Strategy.Type);
        Assert.Equal("0", Api.Spec.Strategy.RollingUpdate.MaxUnavailable?.Value);
        Assert.True(int.Parse(Api.Spec.Strategy.RollingUpdate.MaxSurge.Value, CultureInfo.InvariantCulture) >= 1, "a rollout adds no pod");
    }

    [Fact]
    public void A_disruption_budget_keeps_an_api_pod_through_drains_and_the_replicas_prefer_different_nodes()
    {
        var labels = Api.Spec.Template.Metadata.Labels;
        var budget = Assert.Single(_rendered.All<V1PodDisruptionBudget>(), item => Selects(item.Spec.Selector, labels));
        // One pod always stays, and a drain can still evict the other.
        Assert.InRange(int.Parse(budget.Spec.MinAvailable.Value, CultureInfo.InvariantCulture), 1, Api.Spec.Replicas!.Value - 1);

        var affinity = Api.Spec.Template.Spec.Affinity.PodAntiAffinity;
        var spread = Assert.Single(affinity.PreferredDuringSchedulingIgnoredDuringExecution);
        Assert.Equal("kubernetes.io/hostname", spread.PodAffinityTerm.TopologyKey);
        Assert.True(Selects(spread.PodAffinityTerm.LabelSelector, labels), "the anti-affinity does not name the API's pods");
        // Preferred only: a one-node Minikube still runs every replica.
        Assert.Null(affinity.RequiredDuringSchedulingIgnoredDuringExecution);
    }

    [Fact]
    public void The_api_mounts_no_volume_claim_and_keeps_its_keys_in_the_database()
    {
        Assert.DoesNotContain(Api.Spec.Template.Spec.Volumes ?? [], volume => volume.PersistentVolumeClaim is not null);
        Assert.DoesNotContain(_rendered.All<V1PersistentVolumeClaim>(), claim => claim.Metadata.Name == "api-data");
        Assert.DoesNotContain(ApiContainer.VolumeMounts ?? [], mount => mount.MountPath == "/data");
        Assert.DoesNotContain(ApiContainer.Env, variable => variable.Name == "DataProtection__KeysDirectory");
    }

    [Fact]
    public void The_api_uses_postgresql_through_a_connection_string_from_a_secret()
    {
        Assert.Equal("PostgreSQL", Value(ApiContainer, "Database__Provider"));

        var connection = Connection();
        var service = _rendered.Named<V1Service>(connection.Host!);
        Assert.Contains(service.Spec.Ports, port => port.Port == connection.Port);
        var server = _rendered.Named<V1StatefulSet>("postgres").Spec.Template;
        Assert.All(service.Spec.Selector, pair => Assert.Equal(pair.Value, server.Metadata.Labels[pair.Key]));
        Assert.True(connection.Password is { Length: >= 24 } password && password.All(char.IsAsciiLetterOrDigit), "not a long random password");
    }

    [Fact]
    public void The_api_signs_in_as_the_role_the_init_script_makes_and_never_as_the_superuser()
    {
        var server = _rendered.Named<V1StatefulSet>("postgres").Spec.Template.Spec;
        var container = server.Containers.Single();
        var connection = Connection();

        // The role, password and database the script makes are the API's.
        Assert.Equal(SecretOf(_rendered, container, "VIDEOCONVERSION_USER"), connection.Username);
        Assert.Equal(SecretOf(_rendered, container, "VIDEOCONVERSION_PASSWORD"), connection.Password);
        Assert.Equal(SecretOf(_rendered, container, "VIDEOCONVERSION_DATABASE"), connection.Database);
        Assert.NotEqual(Value(container, "POSTGRES_USER"), connection.Username);
        Assert.NotEqual(SecretOf(_rendered, container, "POSTGRES_PASSWORD"), connection.Password);
        var superuser = container.Env.Single(variable => variable.Name == "POSTGRES_PASSWORD").ValueFrom.SecretKeyRef;
        Assert.DoesNotContain(Api.Spec.Template.Spec.Containers.Concat(Api.Spec.Template.Spec.InitContainers ?? []).SelectMany(item => item.Env ?? []),
            variable => variable.ValueFrom?.SecretKeyRef is { } secret && secret.Name == superuser.Name && secret.Key == superuser.Key);

        // The script the image runs on an empty data directory: the role without privileges, owning its database.
        var mount = container.VolumeMounts.Single(item => item.MountPath == "/docker-entrypoint-initdb.d");
        var files = _rendered.Named<V1ConfigMap>(server.Volumes.Single(volume => volume.Name == mount.Name).ConfigMap.Name).Data;
        Assert.EndsWith(".sh", Assert.Single(files.Keys), StringComparison.Ordinal);
        var script = files.Values.Single();
        Assert.Contains("--set role=\"$VIDEOCONVERSION_USER\" --set password=\"$VIDEOCONVERSION_PASSWORD\"", script, StringComparison.Ordinal);
        Assert.Contains("--set database=\"$VIDEOCONVERSION_DATABASE\"", script, StringComparison.Ordinal);
        Assert.Contains("CREATE ROLE :\"role\" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD :'password';", script, StringComparison.Ordinal);
        Assert.Contains("CREATE DATABASE :\"database\" OWNER :\"role\";", script, StringComparison.Ordinal);
        // The superuser's password opens nothing over the network.
        Assert.Contains("sed -i \"1i host all $POSTGRES_USER all reject\" \"$PGDATA/pg_hba.conf\"", script, StringComparison.Ordinal);
    }

    [Fact]
    public void Postgresql_is_one_non_root_stateful_set_with_its_data_on_a_claim_and_ready_on_tcp_only()
    {
        const long postgresUid = 999; // the official image's postgres user
        var set = _rendered.Named<V1StatefulSet>("postgres");
        Assert.Equal(1, set.Spec.Replicas);
        var pod = set.Spec.Template.Spec;
        Assert.True(pod.SecurityContext.RunAsNonRoot, "runAsNonRoot is not set");
        Assert.Equal(postgresUid, pod.SecurityContext.RunAsUser);
        Assert.NotNull(pod.SecurityContext.FsGroup);
        Assert.Equal("RuntimeDefault", pod.SecurityContext.SeccompProfile.Type);
        var container = pod.Containers.Single();
        Assert.True(container.SecurityContext.ReadOnlyRootFilesystem, "PostgreSQL can write to its image");
        Assert.False(container.SecurityContext.AllowPrivilegeEscalation ?? true, "privilege escalation allowed");
        Assert.Contains("ALL", container.SecurityContext.Capabilities.Drop);
        foreach (var resource in new[] { "cpu", "memory" })
        {
            Assert.True(container.Resources.Requests.ContainsKey(resource) && container.Resources.Limits.ContainsKey(resource), $"no {resource} request or limit");
        }

        // The data directory is on the claim; the socket's directory is the one other place it writes.
        var claim = Assert.Single(set.Spec.VolumeClaimTemplates);
        Assert.Equal(["ReadWriteOnce"], claim.Spec.AccessModes);
        var data = container.VolumeMounts.Single(mount => mount.Name == claim.Metadata.Name);
        Assert.StartsWith(data.MountPath + "/", Value(container, "PGDATA"), StringComparison.Ordinal);
        var run = container.VolumeMounts.Single(mount => mount.MountPath == "/var/run/postgresql");
        Assert.NotNull(pod.Volumes.Single(volume => volume.Name == run.Name).EmptyDir);

        // Ready only once the real server listens on TCP (the init scripts' temporary server has the socket only).
        Assert.Equal(["pg_isready", "--host", "127.0.0.1"], container.ReadinessProbe.Exec.Command.Take(3).ToList());
        var service = _rendered.Named<V1Service>(set.Spec.ServiceName);
        Assert.Equal("None", service.Spec.ClusterIP);
        var port = container.Ports.Single(item => item.Name == "tcp");
        Assert.Contains(service.Spec.Ports, item => item.Port == port.ContainerPort && item.TargetPort.Value == port.Name);
    }

    [Fact]
    public void Only_the_api_reaches_postgresql()
    {
        var policies = new NetworkPolicies([.. _rendered.All<V1NetworkPolicy>()]);
        var pods = _rendered.PodTemplates().ToDictionary(
            pod => pod.Workload,
            pod => NetworkEndpoint.Pod(pod.Workload, Namespace, pod.Template.Metadata.Labels, pod.Template.Spec.Containers.SelectMany(container => container.Ports ?? [])));
        var postgres = pods["postgres"];

        Assert.True(policies.Allows(pods["api"], postgres, 5432), "the API cannot reach PostgreSQL");
        Assert.All(pods.Values.Where(pod => pod.Name != "api"), pod => Assert.False(policies.Allows(pod, postgres, 5432), $"{pod} reaches PostgreSQL"));
        Assert.False(policies.Allows(NetworkEndpoint.Outside("a client outside the cluster", "203.0.113.7"), postgres, 5432), "PostgreSQL answers outside the cluster");
        Assert.Contains(policies.Selecting(postgres), policy => policy.Metadata.Name == "default-deny");
        Assert.False(policies.Allows(postgres, pods["api"], 8080), "PostgreSQL calls the API");
    }

    [Fact]
    public void Readiness_rides_out_a_short_broker_outage_and_liveness_never_asks_the_broker()
    {
        // /health includes the broker (the check Aspire's RabbitMQ client registers), so a broker outage fails it on
        // every replica at once: each pod stays in the Service through 30 s of failed checks.
        var readiness = ApiContainer.ReadinessProbe;
        Assert.Equal(Microsoft.Extensions.Hosting.Extensions.HealthEndpointPath, readiness.HttpGet.Path);
        var tolerated = TimeSpan.FromSeconds((readiness.FailureThreshold ?? 3) * (readiness.PeriodSeconds ?? 10));
        Assert.True(tolerated >= TimeSpan.FromSeconds(30), $"a pod leaves the Service after {tolerated.TotalSeconds} s of failed checks");
        Assert.Equal(1, readiness.SuccessThreshold ?? 1);
        Assert.Equal(Microsoft.Extensions.Hosting.Extensions.AlivenessEndpointPath, ApiContainer.LivenessProbe.HttpGet.Path);
    }

    [Fact]
    public void The_api_waits_for_postgresql_in_its_own_image_before_it_migrates()
    {
        var wait = Api.Spec.Template.Spec.InitContainers.Single(container => container.Name == "wait-for-database");
        Assert.Equal(ApiContainer.Image, wait.Image);
        Assert.Equal(ApiContainer.ImagePullPolicy, wait.ImagePullPolicy);
        var connection = Connection();
        Assert.Contains($"/dev/tcp/{connection.Host}/{connection.Port}", string.Join('\n', wait.Args), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(MinikubeManifests.Overlay)]
    [InlineData(HighAvailabilityManifests.Overlay)]
    public async Task Every_service_exports_its_telemetry_to_the_aspire_dashboard_with_its_key(string overlay)
    {
        var rendered = overlay == HighAvailabilityManifests.Overlay ? _rendered : await RenderedManifests.RenderAsync(overlay);
        var dashboard = rendered.Named<V1Deployment>("aspire-dashboard").Spec.Template;
        var container = dashboard.Spec.Containers.Single();
        var grpc = container.Ports.Single(port => port.Name == "otlp-grpc");
        Assert.Equal($"http://+:{grpc.ContainerPort}", Value(container, "ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL"));
        Assert.Equal("ApiKey", Value(container, "Dashboard__Otlp__AuthMode"));
        var key = SecretOf(rendered, container, "Dashboard__Otlp__PrimaryApiKey");
        Assert.True(key.Length >= 24 && key.All(char.IsAsciiLetterOrDigit), "the OTLP key is not a long random one");
        var service = rendered.Named<V1Service>("aspire-dashboard");
        Assert.All(service.Spec.Selector, pair => Assert.Equal(pair.Value, dashboard.Metadata.Labels[pair.Key]));
        var servicePort = service.Spec.Ports.Single(port => port.TargetPort.Value == grpc.Name);

        var policies = new NetworkPolicies([.. rendered.All<V1NetworkPolicy>()]);
        var dashboardPod = NetworkEndpoint.Pod("aspire-dashboard", Namespace, dashboard.Metadata.Labels, container.Ports);
        foreach (var name in Services)
        {
            var pod = rendered.Named<V1Deployment>(name).Spec.Template;
            var exporter = pod.Spec.Containers.Single(item => item.Name == name);
            Assert.Equal($"http://{service.Metadata.Name}:{servicePort.Port}", Value(exporter, "OTEL_EXPORTER_OTLP_ENDPOINT"));
            Assert.Equal("grpc", Value(exporter, "OTEL_EXPORTER_OTLP_PROTOCOL"));
            Assert.Equal($"x-otlp-api-key={key}", SecretOf(rendered, exporter, "OTEL_EXPORTER_OTLP_HEADERS"));
            // Named as the AppHost names it: the pod's app label.
            Assert.Equal("metadata.labels['app.kubernetes.io/name']", exporter.Env.Single(variable => variable.Name == "OTEL_SERVICE_NAME").ValueFrom.FieldRef.FieldPath);
            Assert.Equal(name, pod.Metadata.Labels["app.kubernetes.io/name"]);
            var exporterPod = NetworkEndpoint.Pod(name, Namespace, pod.Metadata.Labels, pod.Spec.Containers.SelectMany(item => item.Ports ?? []));
            Assert.True(policies.Allows(exporterPod, dashboardPod, grpc.ContainerPort), $"{name} cannot reach the dashboard's OTLP port");
        }

        // The frontend only through kubectl port-forward.
        var frontend = container.Ports.Single(port => port.Name == "frontend").ContainerPort;
        Assert.DoesNotContain(service.Spec.Ports, port => port.Port == frontend || port.TargetPort.Value == "frontend");
        Assert.False(policies.Allows(NetworkEndpoint.Outside("a client outside the cluster", "203.0.113.7"), dashboardPod, frontend));
        Assert.All(rendered.PodTemplates(), pod => Assert.False(
            policies.Allows(NetworkEndpoint.Pod(pod.Workload, Namespace, pod.Template.Metadata.Labels), dashboardPod, frontend), $"{pod.Workload} reaches the dashboard's page"));
    }

    /// <summary>The API's connection string, read from the Secret its variable names.</summary>
    private NpgsqlConnectionStringBuilder Connection()
    {
        var variable = ApiContainer.Env.Single(item => item.Name == "ConnectionStrings__jobs");
        Assert.Null(variable.Value);
        return new NpgsqlConnectionStringBuilder(SecretOf(_rendered, ApiContainer, variable.Name));
    }

    private static bool Selects(V1LabelSelector selector, IDictionary<string, string> labels) =>
        selector.MatchExpressions is not { Count: > 0 } && selector.MatchLabels is { Count: > 0 } &&
        selector.MatchLabels.All(pair => labels.TryGetValue(pair.Key, out var value) && value == pair.Value);

    private static string SecretOf(RenderedManifests rendered, V1Container container, string name)
    {
        var secret = container.Env.Single(variable => variable.Name == name).ValueFrom?.SecretKeyRef
            ?? throw new Xunit.Sdk.XunitException($"{container.Name}'s {name} is not from a Secret.");
        return RenderedManifests.SecretValue(rendered.Named<V1Secret>(secret.Name), secret.Key);
    }

    private static string Value(V1Container container, string name) =>
        container.Env.SingleOrDefault(variable => variable.Name == name)?.Value
        ?? throw new Xunit.Sdk.XunitException($"{container.Name} has no {name} value.");
}
