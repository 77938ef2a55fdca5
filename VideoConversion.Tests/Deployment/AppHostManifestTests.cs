using System.Text.RegularExpressions;
using k8s.Models;
using VideoConversion.AppHost.Resources;
using VideoConversion.Contracts.Messaging;
using VideoConversion.Contracts.Storage;
using VideoConversion.Infrastructure.Messaging;
using VideoConversion.Infrastructure.Storage;
using VideoConversion.Tests.Support.Kubernetes;

namespace VideoConversion.Tests.Deployment;

/// <summary>
/// manifests/ stands in for what Aspirate would generate from the AppHost (Aspirate cannot be
/// installed here), so it is held to the AppHost's own model: `--publisher manifest` output.
/// </summary>
public sealed partial class AppHostManifestTests(MinikubeManifests manifests, AppHostManifest appHost)
    : IClassFixture<MinikubeManifests>, IClassFixture<AppHostManifest>
{
    private readonly RenderedManifests _rendered = manifests.Rendered;

    [Fact]
    public void Every_service_of_the_apphost_is_a_deployment_with_its_environment()
    {
        var services = appHost.OfType("project.v0").ToList();
        Assert.Equal(["api", "web", "worker"], services.Select(service => service.Name).Order(StringComparer.Ordinal));

        foreach (var (name, resource) in services)
        {
            var container = _rendered.Named<V1Deployment>(name).Spec.Template.Spec.Containers.Single();
            var deployed = container.Env.Select(variable => variable.Name).ToHashSet();
            foreach (var (variable, value) in AppHostManifest.Environment(resource))
            {
                // In the cluster services speak plain HTTP to each other; no https endpoint exists.
                if (value.Contains(".bindings.https.", StringComparison.Ordinal))
                {
                    continue;
                }

                Assert.True(deployed.Contains(variable), $"{name} reads {variable} (AppHost: {value}) but its Deployment does not set it");
            }
        }
    }

    [Fact]
    public void Every_service_has_the_management_port_the_cluster_probes_and_scrapes_and_no_service_names_it()
    {
        foreach (var (name, resource) in appHost.OfType("project.v0"))
        {
            Assert.Contains((ManagementEndpoint.Name, ManagementEndpoint.TargetPort), AppHostManifest.Bindings(resource));
            var binding = resource.GetProperty("bindings").GetProperty(ManagementEndpoint.Name);
            Assert.False(binding.TryGetProperty("external", out var external) && external.GetBoolean(), $"{name}'s management port is external");
            Assert.Contains((ManagementEndpoint.PortVariable, $"{{{name}.bindings.{ManagementEndpoint.Name}.targetPort}}"), AppHostManifest.Environment(resource));

            var pod = _rendered.Named<V1Deployment>(name).Spec.Template;
            var container = pod.Spec.Containers.Single();
            Assert.Contains(container.Ports, port => port.Name == ManagementEndpoint.Name && port.ContainerPort == ManagementEndpoint.TargetPort);
            Assert.Equal($"{ManagementEndpoint.TargetPort}", container.Env.Single(variable => variable.Name == ManagementEndpoint.PortVariable).Value);
            // Prometheus reaches pods directly; no Service carries the management port to anyone else.
            var services = _rendered.All<V1Service>().Where(service => service.Spec.Selector is { } selector && selector.TryGetValue("app.kubernetes.io/name", out var app) && app == name);
            Assert.DoesNotContain(services.SelectMany(service => service.Spec.Ports),
                port => port.TargetPort?.Value is ManagementEndpoint.Name or "9090");
        }

        // Nothing else references a management endpoint (the page knows only the API's public one).
        Assert.DoesNotContain(appHost.OfType("project.v0").SelectMany(item => AppHostManifest.Environment(item.Resource)),
            variable => variable.Value.Contains($".bindings.{ManagementEndpoint.Name}.url", StringComparison.Ordinal) || variable.Name.Contains("__management__", StringComparison.Ordinal));
    }

    [Fact]
    public void Every_connection_string_points_at_the_service_of_the_resource_it_names()
    {
        foreach (var (name, resource) in appHost.OfType("project.v0"))
        {
            var container = _rendered.Named<V1Deployment>(name).Spec.Template.Spec.Containers.Single();
            foreach (var (variable, value) in AppHostManifest.Environment(resource).Where(item => item.Name.StartsWith("ConnectionStrings__", StringComparison.Ordinal)))
            {
                var target = ServerOf(ReferencedResource().Match(value).Groups["resource"].Value);
                var deployed = container.Env.Single(item => item.Name == variable).Value;
                var (host, port) = HostAndPort(deployed);
                Assert.Equal(target, host);
                var service = _rendered.Named<V1Service>(target);
                Assert.Contains(service.Spec.Ports, servicePort => servicePort.Port == port);
                Assert.Contains(AppHostManifest.Bindings(appHost.Resources.GetProperty(target)), binding => binding.TargetPort == port);
            }
        }

        var web = _rendered.Named<V1Deployment>("web").Spec.Template.Spec.Containers.Single();
        var api = new Uri(web.Env.Single(variable => variable.Name == "services__api__http__0").Value);
        Assert.Equal("api", api.Host);
        Assert.Contains(_rendered.Named<V1Service>("api").Spec.Ports, port => port.Port == api.Port);
    }

    [Fact]
    public void Every_backing_container_runs_the_same_image_with_its_ports_and_settings()
    {
        var containers = appHost.OfType("container.v0").ToList();
        Assert.Equal(["messaging", "storage"], containers.Select(container => container.Name).Order(StringComparer.Ordinal));

        foreach (var (name, resource) in containers)
        {
            var template = _rendered.All<V1StatefulSet>().Where(item => item.Metadata.Name == name).Select(item => item.Spec.Template)
                .Concat(_rendered.All<V1Deployment>().Where(item => item.Metadata.Name == name).Select(item => item.Spec.Template))
                .Single();
            var container = template.Spec.Containers.Single();
            Assert.Equal(resource.GetProperty("image").GetString(), container.Image);

            var service = _rendered.Named<V1Service>(name);
            foreach (var (binding, targetPort) in AppHostManifest.Bindings(resource))
            {
                Assert.Contains(container.Ports, port => port.ContainerPort == targetPort);
                Assert.Contains(service.Spec.Ports, port => port.Port == targetPort && port.Name == binding);
            }

            foreach (var (variable, value) in AppHostManifest.Environment(resource))
            {
                if (variable == "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS")
                {
                    // The cluster sets the same consumer timeout in rabbitmq.conf.
                    var milliseconds = ConsumerTimeoutArgument().Match(value).Groups["ms"].Value;
                    Assert.Contains($"consumer_timeout = {milliseconds}\n", _rendered.Generated<V1ConfigMap>("messaging-config").Data["rabbitmq.conf"], StringComparison.Ordinal);
                    continue;
                }

                Assert.Contains(container.Env, item => item.Name == variable);
            }
        }
    }

    [Fact]
    public void The_queue_and_buckets_the_services_use_are_the_ones_deployed()
    {
        Assert.Equal(QueueNames.VideoJobs, _rendered.Named<ScaledObject>("worker").Spec.Triggers.Single(trigger => trigger.Type == "rabbitmq").Metadata["queueName"]);
        var setup = _rendered.Named<V1Job>("storage-setup").Spec.Template.Spec.Containers.Single().Env;
        Assert.Equal(StorageNames.InputBucket, setup.Single(variable => variable.Name == "INPUT_BUCKET").Value);
        Assert.Equal(StorageNames.OutputBucket, setup.Single(variable => variable.Name == "OUTPUT_BUCKET").Value);
        Assert.Contains($"queue=\"{QueueNames.VideoJobs}\"", string.Join('\n', DashboardQueries.Expressions(DashboardQueries.Dashboards()["scalability"])), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_brokers_definitions_in_the_cluster_grant_each_service_what_the_apphost_grants()
    {
        var pod = _rendered.Named<V1StatefulSet>("messaging").Spec.Template.Spec;
        var root = Directory.CreateTempSubdirectory("videoconversion-definitions-");
        try
        {
            // The init container's own script, run by sh with the Secret's values, as the pod runs it.
            var files = new PodFiles(_rendered, pod, root.FullName);
            string Local(string text) => text.Replace("/etc/rabbitmq/", files.Local("/etc/rabbitmq/"), StringComparison.Ordinal);
            var definitions = pod.InitContainers.Single(container => container.Name == "definitions");
            await files.RunAsync(definitions, Local);

            var file = Local(files.Value(definitions.Env.Single(variable => variable.Name == "DEFINITIONS_FILE")));
            using var written = System.Text.Json.JsonDocument.Parse(File.ReadAllText(file));
            var permissions = written.RootElement.GetProperty("permissions").EnumerateArray().ToDictionary(
                permission => permission.GetProperty("user").GetString()!,
                permission => (permission.GetProperty("configure").GetString(), permission.GetProperty("write").GetString(), permission.GetProperty("read").GetString()));
            foreach (var grant in new[] { BrokerGrant.Api, BrokerGrant.Worker, BrokerGrant.Storage })
            {
                Assert.Equal((grant.Configure, grant.Write, grant.Read), permissions[grant.UserName]);
            }

            // Beside the services' own users: the administrator and KEDA's scaler.
            Assert.Equal(5, written.RootElement.GetProperty("users").GetArrayLength());
        }
        finally
        {
            root.Delete(recursive: true);
        }
    }

    /// <summary>A service's own user ("messaging-api", a value resource) resolves to the server its address names.</summary>
    private string ServerOf(string resource)
    {
        var model = appHost.Resources.GetProperty(resource);
        return model.GetProperty("type").GetString() == "value.v0"
            ? ServerBinding().Match(model.GetProperty("connectionString").GetString()!).Groups["server"].Value
            : resource;
    }

    /// <summary>"amqp://user:pass@messaging:5672" or "Endpoint=http://storage:9000;AccessKey=…".</summary>
    private static (string Host, int Port) HostAndPort(string connectionString)
    {
        var address = connectionString.StartsWith("Endpoint=", StringComparison.Ordinal)
            ? connectionString["Endpoint=".Length..].Split(';')[0]
            : connectionString;
        var uri = new Uri(address.Replace("$(", "", StringComparison.Ordinal).Replace(")", "", StringComparison.Ordinal));
        return (uri.Host, uri.Port);
    }

    [GeneratedRegex(@"^\{(?<resource>[a-z-]+)\.connectionString\}$")]
    private static partial Regex ReferencedResource();

    [GeneratedRegex(@"\{(?<server>[a-z]+)\.bindings\.")]
    private static partial Regex ServerBinding();

    [GeneratedRegex(@"consumer_timeout (?<ms>\d+)")]
    private static partial Regex ConsumerTimeoutArgument();
}
