using k8s.Models;
using VideoConversion.Contracts.Messaging;
using VideoConversion.Infrastructure.Messaging;
using VideoConversion.Tests.Support.Kubernetes;

namespace VideoConversion.Tests.Deployment;

/// <summary>KEDA's ScaledObject for the workers: 0 to 10 on video_jobs, counting busy messages, authenticated from the Secret.</summary>
public sealed class WorkerScalingTests(MinikubeManifests manifests) : IClassFixture<MinikubeManifests>
{
    private readonly RenderedManifests _rendered = manifests.Rendered;

    private ScaledObject Scaling => _rendered.Named<ScaledObject>("worker");

    private ScaleTrigger QueueDepth => Scaling.Spec.Triggers.Single(trigger => trigger.Type == "rabbitmq");

    [Fact]
    public void Where_prometheus_runs_jobs_are_also_weighed_by_their_outputs()
    {
        Assert.Equal(["prometheus", "rabbitmq"], Scaling.Spec.Triggers.Select(trigger => trigger.Type).Order(StringComparer.Ordinal));
        var work = Scaling.Spec.Triggers.Single(trigger => trigger.Type == "prometheus");
        Assert.Contains("videoconversion_jobs_work", work.Metadata["query"], StringComparison.Ordinal);
        Assert.Equal(QueueDepth.Metadata["value"], work.Metadata["threshold"]);

        var server = new Uri(work.Metadata["serverAddress"]);
        var hostParts = server.Host.Split('.');
        var service = _rendered.Named<V1Service>(hostParts[0]);
        Assert.Equal("prometheus", service.Metadata.Name);
        Assert.Equal(service.Metadata.NamespaceProperty, hostParts[1]);
        Assert.Contains(service.Spec.Ports, port => port.Port == server.Port);

        // KEDA's operator is let in to Prometheus, on that port.
        var policy = _rendered.Named<V1NetworkPolicy>("prometheus");
        Assert.Contains(policy.Spec.Ingress, rule =>
            rule.Ports.Any(port => port.Port.Value == server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)) &&
            rule.FromProperty.Any(peer => peer.NamespaceSelector?.MatchLabels["kubernetes.io/metadata.name"] == "keda" &&
                                          peer.PodSelector?.MatchLabels["app.kubernetes.io/name"] == "keda-operator"));
    }

    [Fact]
    public void Workers_scale_from_zero_to_ten_on_five_video_jobs_each()
    {
        var spec = Scaling.Spec;
        Assert.Equal("worker", spec.ScaleTargetRef.Name);
        Assert.NotNull(_rendered.Named<V1Deployment>(spec.ScaleTargetRef.Name));
        Assert.Equal(0, spec.MinReplicaCount);
        Assert.Equal(10, spec.MaxReplicaCount);
        Assert.Equal(10, spec.PollingInterval);
        Assert.Equal(300, spec.CooldownPeriod);

        var trigger = QueueDepth;
        Assert.Equal(QueueNames.VideoJobs, trigger.Metadata["queueName"]);
        Assert.Equal("QueueLength", trigger.Metadata["mode"]);
        Assert.Equal("5", trigger.Metadata["value"]);
    }

    [Fact]
    public void Busy_messages_count_too_through_the_management_api_of_the_broker()
    {
        var trigger = QueueDepth;
        // The AMQP mode sees ready messages only; HTTP counts unacknowledged ones unless told not to.
        Assert.Equal("http", trigger.Metadata["protocol"]);
        Assert.False(trigger.Metadata.TryGetValue("excludeUnacknowledged", out var exclude) && exclude == "true");

        var host = new Uri(trigger.Metadata["host"]);
        Assert.Equal("/", host.AbsolutePath);
        Assert.True(string.IsNullOrEmpty(host.UserInfo), "credentials belong in the TriggerAuthentication, not in the host");
        var hostParts = host.Host.Split('.');
        var service = _rendered.Named<V1Service>(hostParts[0]);
        Assert.Equal(service.Metadata.NamespaceProperty, hostParts[1]);
        Assert.Contains(service.Spec.Ports, port => port.Name == "management" && port.Port == host.Port);
    }

    [Fact]
    public void The_trigger_authenticates_as_the_brokers_scaler_user()
    {
        var reference = QueueDepth.AuthenticationRef!.Name;
        var authentication = _rendered.Named<TriggerAuthentication>(reference);
        Assert.Equal(["password", "username"], authentication.Spec.SecretTargetRef.Select(target => target.Parameter).Order(StringComparer.Ordinal));

        // The user the broker's definitions create with the "monitoring" tag and no queue permissions.
        var definitions = _rendered.Named<V1StatefulSet>("messaging").Spec.Template.Spec.InitContainers.Single(container => container.Name == "definitions");
        var brokerUser = definitions.Env.Single(variable => variable.Name == "SCALER_USERNAME").ValueFrom.SecretKeyRef;
        var brokerPassword = definitions.Env.Single(variable => variable.Name == "SCALER_PASSWORD").ValueFrom.SecretKeyRef;
        var user = authentication.Spec.SecretTargetRef.Single(target => target.Parameter == "username");
        var password = authentication.Spec.SecretTargetRef.Single(target => target.Parameter == "password");
        // The same generated Secret (kustomize rewrote both references to its hashed name).
        Assert.Equal((brokerUser.Name, brokerUser.Key), (user.Name, user.Key));
        Assert.Equal((brokerPassword.Name, brokerPassword.Key), (password.Name, password.Key));
        Assert.Contains(_rendered.All<V1Secret>(), secret => secret.Metadata.Name == user.Name);
    }

    [Fact]
    public void Scale_in_is_gradual_because_each_removed_worker_drains_a_conversion()
    {
        var scaleDown = Scaling.Spec.Advanced?.HorizontalPodAutoscalerConfig?.Behavior?.ScaleDown;
        Assert.NotNull(scaleDown);
        Assert.True(scaleDown.StabilizationWindowSeconds >= 60);
        var policy = Assert.Single(scaleDown.Policies);
        Assert.Equal("Pods", policy.Type);
        Assert.InRange(policy.Value, 1, 2);
    }

    /// <summary>The seed guide's scaling table, computed from the ScaledObject's own settings.</summary>
    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, 1)]
    [InlineData(5, 1)]
    [InlineData(6, 2)]
    [InlineData(25, 5)]
    [InlineData(49, 10)]
    [InlineData(100, 10)]
    [InlineData(500, 10)]
    public void Queue_depth_sets_the_number_of_workers(int queueDepth, int workers) =>
        Assert.Equal(workers, KedaScaling.DesiredReplicas(Scaling, queueDepth));
}
