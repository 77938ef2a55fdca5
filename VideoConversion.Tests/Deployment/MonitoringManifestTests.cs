using k8s.Models;
using VideoConversion.Tests.Support.Kubernetes;
using YamlDotNet.RepresentationModel;

namespace VideoConversion.Tests.Deployment;

/// <summary>Prometheus scrapes the services and RabbitMQ's queues; Grafana provisions the three dashboards.</summary>
public sealed class MonitoringManifestTests(MinikubeManifests manifests) : IClassFixture<MinikubeManifests>
{
    private readonly RenderedManifests _rendered = manifests.Rendered;

    [Fact]
    public void Prometheus_scrapes_every_annotated_pod_and_rabbitmqs_per_queue_metrics()
    {
        var config = new YamlStream();
        config.Load(new StringReader(_rendered.Generated<V1ConfigMap>("prometheus-config").Data["prometheus.yml"]));
        var jobs = ((YamlSequenceNode)((YamlMappingNode)config.Documents[0].RootNode)["scrape_configs"]).Cast<YamlMappingNode>()
            .ToDictionary(job => job["job_name"].ToString());

        var pods = jobs["videoconversion"];
        var discovery = (YamlMappingNode)((YamlSequenceNode)pods["kubernetes_sd_configs"])[0];
        Assert.Equal("pod", discovery["role"].ToString());
        Assert.Contains("videoconversion", ((YamlSequenceNode)((YamlMappingNode)discovery["namespaces"])["names"]).Select(name => name.ToString()));
        Assert.Contains("__meta_kubernetes_pod_annotation_prometheus_io_scrape", pods["relabel_configs"].ToString());

        var rabbitmq = jobs["rabbitmq"];
        Assert.Equal("/metrics/detailed", rabbitmq["metrics_path"].ToString());
        Assert.Contains("queue_coarse_metrics", rabbitmq["params"].ToString());
        var target = ((YamlSequenceNode)((YamlMappingNode)((YamlSequenceNode)rabbitmq["static_configs"])[0])["targets"])[0].ToString().Split(':');
        Assert.Contains(_rendered.Named<V1Service>(target[0]).Spec.Ports, port => port.Port == int.Parse(target[1], System.Globalization.CultureInfo.InvariantCulture));

        // Pod discovery needs read access to pods, granted to Prometheus's own account only.
        var role = _rendered.Named<V1Role>("prometheus");
        Assert.Contains(role.Rules, rule => rule.Resources.Contains("pods") && rule.Verbs.Contains("list") && rule.Verbs.Contains("watch"));
        Assert.Equal("prometheus", _rendered.Named<V1Deployment>("prometheus").Spec.Template.Spec.ServiceAccountName);
        Assert.Contains(_rendered.Named<V1RoleBinding>("prometheus").Subjects, subject => subject.Name == "prometheus");
    }

    [Fact]
    public async Task Promtool_accepts_the_rendered_prometheus_configuration()
    {
        // Debian's promtool is built without Kubernetes service discovery: each discovery block becomes
        // a static target for the check; everything else (relabelling, params, intervals) is checked as rendered.
        var config = new YamlStream();
        config.Load(new StringReader(_rendered.Generated<V1ConfigMap>("prometheus-config").Data["prometheus.yml"]));
        var swapped = 0;
        foreach (var job in ((YamlSequenceNode)((YamlMappingNode)config.Documents[0].RootNode)["scrape_configs"]).Cast<YamlMappingNode>())
        {
            if (job.Children.Remove(new YamlScalarNode("kubernetes_sd_configs")))
            {
                job.Add("static_configs", new YamlSequenceNode(new YamlMappingNode("targets", new YamlSequenceNode(new YamlScalarNode("pod:8080")))));
                swapped++;
            }
        }

        Assert.Equal(1, swapped);
        var file = Path.Combine(Path.GetTempPath(), $"prometheus-{Guid.NewGuid():N}.yml");
        try
        {
            await using (var writer = new StreamWriter(file))
            {
                config.Save(writer, assignAnchors: false);
            }

            var result = await VideoConversion.Processes.ProcessRunner.RunAsync(
                "promtool", ["check", "config", file], Path.GetTempPath(), TimeSpan.FromMinutes(1), null, CancellationToken.None, inheritEnvironment: true);
            Assert.True(result.ExitCode == 0, result.StandardOutput + result.StandardErrorTail);
            Assert.Contains("SUCCESS", result.StandardOutput + result.StandardErrorTail, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Grafana_provisions_the_scalability_performance_and_reliability_dashboards()
    {
        var dashboards = _rendered.Generated<V1ConfigMap>("grafana-dashboards");
        Assert.Equal(["performance.json", "reliability.json", "scalability.json"], dashboards.Data.Keys.Order(StringComparer.Ordinal));

        var grafana = _rendered.Named<V1Deployment>("grafana").Spec.Template.Spec;
        var mount = grafana.Containers.Single().VolumeMounts.Single(mount => mount.Name == "dashboards");
        Assert.Equal(dashboards.Metadata.Name, grafana.Volumes.Single(volume => volume.Name == "dashboards").ConfigMap.Name);
        var provider = _rendered.Generated<V1ConfigMap>("grafana-provisioning").Data["grafana-dashboards.yaml"];
        Assert.Contains($"path: {mount.MountPath}", provider, StringComparison.Ordinal);
        Assert.Contains("url: http://prometheus:9090", _rendered.Generated<V1ConfigMap>("grafana-provisioning").Data["grafana-datasources.yaml"], StringComparison.Ordinal);
        Assert.All(grafana.Containers.Single().Env.Where(variable => variable.Name.StartsWith("GF_SECURITY_ADMIN", StringComparison.Ordinal)),
            variable => Assert.NotNull(variable.ValueFrom?.SecretKeyRef));
    }

    [Fact]
    public void Each_dashboard_answers_its_question()
    {
        var dashboards = DashboardQueries.Dashboards();
        var scalability = string.Join('\n', DashboardQueries.Expressions(dashboards["scalability"]));
        var performance = string.Join('\n', DashboardQueries.Expressions(dashboards["performance"]));
        var reliability = string.Join('\n', DashboardQueries.Expressions(dashboards["reliability"]));

        // Queue depth (ready and busy) against worker pods.
        Assert.Contains("rabbitmq_detailed_queue_messages_ready{queue=\"video_jobs\"}", scalability, StringComparison.Ordinal);
        Assert.Contains("rabbitmq_detailed_queue_messages_unacked{queue=\"video_jobs\"}", scalability, StringComparison.Ordinal);
        Assert.Contains("up{job=\"worker\"}", scalability, StringComparison.Ordinal);
        // KEDA's target, drawn from the ScaledObject's own numbers: all messages (ready and busy) / value, capped at max.
        var scaling = _rendered.Named<ScaledObject>("worker").Spec;
        Assert.Contains(
            $"clamp_max(ceil(sum(rabbitmq_detailed_queue_messages{{queue=\"video_jobs\"}}) / {scaling.Triggers.Single(trigger => trigger.Type == "rabbitmq").Metadata["value"]}), {scaling.MaxReplicaCount})",
            scalability, StringComparison.Ordinal);
        // Jobs per minute and p50/p95/p99 of end-to-end and processing time.
        Assert.Contains("rate(videoconversion_jobs_completed_total[5m])) * 60", performance, StringComparison.Ordinal);
        foreach (var quantile in new[] { "0.5", "0.95", "0.99" })
        {
            Assert.Contains($"histogram_quantile({quantile}, sum by (le) (rate(videoconversion_job_duration_seconds_bucket", performance, StringComparison.Ordinal);
            Assert.Contains($"histogram_quantile({quantile}, sum by (le) (rate(videoconversion_job_processing_duration_seconds_bucket", performance, StringComparison.Ordinal);
        }

        // Success rate, failures, retries, dead letters.
        Assert.Contains("videoconversion_job_outcome=\"done\"", reliability, StringComparison.Ordinal);
        Assert.Contains("videoconversion_job_outcome=\"failed\"", reliability, StringComparison.Ordinal);
        Assert.Contains("videoconversion_jobs_retried_total", reliability, StringComparison.Ordinal);
        Assert.Contains("videoconversion_jobs_dead_lettered_total", reliability, StringComparison.Ordinal);
    }
}
