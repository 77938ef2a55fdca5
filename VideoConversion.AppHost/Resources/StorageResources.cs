using System.Globalization;
using System.Text.Json.Nodes;
using VideoConversion.Contracts.Storage;
using VideoConversion.Processes;

namespace VideoConversion.AppHost.Resources;

internal static class StorageResources
{
    private const string MinioImage = "minio/minio";

    // The last MinIO release published as an image; pinned so every laptop runs the same server.
    private const string MinioImageTag = "RELEASE.2025-04-22T22-12-26Z";

    /// <summary>Buckets the stand-in creates at start (with CORS). Services may not create buckets.</summary>
    private static readonly string Buckets = $"{StorageNames.InputBucket},{StorageNames.OutputBucket}";

    public static ObjectStorage AddObjectStorage(this IDistributedApplicationBuilder builder, string name, AppHostSettings settings)
    {
        // The root keys: for storage itself and its set-up, never for a service.
        var accessKey = builder.AddParameter($"{name}-access-key", "videoconversion");
        var secretKey = SecretKey(builder, $"{name}-secret-key");

        var server = AddServer(builder, name, settings, accessKey.Resource, secretKey.Resource);
        var users = ServiceIdentity.All.ToDictionary(service => service, service =>
            builder.AddResource(new StorageUserResource(
                $"{name}-{service}", (IResourceWithEndpoints)server.Resource,
                builder.AddParameter($"{name}-{service}-access-key", $"videoconversion-{service}").Resource,
                SecretKey(builder, $"{name}-{service}-secret-key").Resource,
                Path.Combine(SetupDirectory(settings), $"{service}-policy.json"))));

        IResourceBuilder<IResource>? setup = null;
        if (server.Resource is ObjectStorageExecutableResource { IsStandIn: true })
        {
            GiveUsersToStandIn(server, users.Values);
        }
        else if (!settings.IsPublishMode)
        {
            setup = AddMinioSetup(builder, name, settings, server, accessKey, secretKey, users);
        }

        return new ObjectStorage(server, setup, users);
    }

    private static IResourceBuilder<IResourceWithConnectionString> AddServer(
        IDistributedApplicationBuilder builder, string name, AppHostSettings settings, ParameterResource accessKey, ParameterResource secretKey)
    {
        if (settings.Mode == InfrastructureMode.Container)
        {
            return builder.AddResource(new MinioContainerResource(name, accessKey, secretKey))
                .WithImage(MinioImage, MinioImageTag)
                .WithImageRegistry("docker.io")
                .WithArgs("server", "/data", "--console-address", ":9001")
                .WithHttpEndpoint(targetPort: 9000, name: MinioContainerResource.ApiEndpointName)
                .WithHttpEndpoint(targetPort: 9001, name: "console")
                .WithEnvironment("MINIO_ROOT_USER", accessKey)
                .WithEnvironment("MINIO_ROOT_PASSWORD", secretKey)
                .WithVolume($"videoconversion-{name}-data", "/data")
                .WithHttpHealthCheck("/minio/health/live", endpointName: MinioContainerResource.ApiEndpointName);
        }

        var dataDirectory = Path.Combine(settings.DataDirectory, name);
        Directory.CreateDirectory(dataDirectory);
        var port = FreeTcpPort.Next();

        if (settings.MinioPath is { } minio)
        {
            return builder.AddResource(new ObjectStorageExecutableResource(name, minio, dataDirectory, accessKey, secretKey, isStandIn: false))
                .WithArgs("server", dataDirectory, "--address", $"127.0.0.1:{port}", "--console-address", $"127.0.0.1:{FreeTcpPort.Next()}")
                .WithHttpEndpoint(targetPort: port, name: ObjectStorageExecutableResource.ApiEndpointName)
                .WithEnvironment("MINIO_ROOT_USER", accessKey)
                .WithEnvironment("MINIO_ROOT_PASSWORD", secretKey)
                .WithHttpHealthCheck("/minio/health/live", endpointName: ObjectStorageExecutableResource.ApiEndpointName);
        }

        var standIn = S3StandIn.Directory(settings);
        return builder.AddResource(new ObjectStorageExecutableResource(name, settings.NodePath, standIn, accessKey, secretKey, isStandIn: true))
            .WithArgs(Path.Combine(standIn, "server.js"))
            .WithHttpEndpoint(targetPort: port, name: ObjectStorageExecutableResource.ApiEndpointName)
            .WithEnvironment("S3_PORT", port.ToString(CultureInfo.InvariantCulture))
            .WithEnvironment("S3_DIRECTORY", dataDirectory)
            .WithEnvironment("S3_ACCESS_KEY", accessKey)
            .WithEnvironment("S3_SECRET_KEY", secretKey)
            .WithEnvironment("S3_BUCKETS", Buckets)
            // MinIO's liveness path: the stand-in answers it unsigned, and nothing else.
            .WithHttpHealthCheck("/minio/health/live", endpointName: ObjectStorageExecutableResource.ApiEndpointName);
    }

    /// <summary>The stand-in enforces the same policy files as MinIO, for the same users.</summary>
    private static void GiveUsersToStandIn(
        IResourceBuilder<IResourceWithConnectionString> server, IEnumerable<IResourceBuilder<StorageUserResource>> users)
    {
        var standIn = server.ApplicationBuilder.CreateResourceBuilder((ObjectStorageExecutableResource)server.Resource);
        standIn.WithEnvironment(async context =>
        {
            var entries = new JsonArray();
            foreach (var user in users.Select(user => user.Resource))
            {
                entries.Add(new JsonObject
                {
                    ["accessKey"] = await user.AccessKey.GetValueAsync(context.CancellationToken),
                    ["secretKey"] = await user.SecretKey.GetValueAsync(context.CancellationToken),
                    ["policy"] = JsonNode.Parse(await File.ReadAllTextAsync(user.PolicyFile, context.CancellationToken)),
                });
            }

            context.EnvironmentVariables["S3_USERS"] = entries.ToJsonString();
        });
    }

    /// <summary>
    /// MinIO gets its buckets and the services' users from the same script as the Kubernetes
    /// storage-setup Job, run with MinIO's own client: in the MinIO image, or the host's mc.
    /// </summary>
    private static IResourceBuilder<IResource> AddMinioSetup(
        IDistributedApplicationBuilder builder, string name, AppHostSettings settings, IResourceBuilder<IResourceWithConnectionString> server,
        IResourceBuilder<ParameterResource> accessKey, IResourceBuilder<ParameterResource> secretKey,
        IReadOnlyDictionary<string, IResourceBuilder<StorageUserResource>> users)
    {
        var endpoint = new EndpointReference((IResourceWithEndpoints)server.Resource, "http");
        IResourceBuilder<IResourceWithEnvironment> setup;
        if (settings.Mode == InfrastructureMode.Container)
        {
            var container = builder.AddContainer($"{name}-setup", MinioImage, MinioImageTag)
                .WithImageRegistry("docker.io")
                .WithBindMount(SetupDirectory(settings), "/setup", isReadOnly: true)
                .WithEntrypoint("/bin/sh")
                .WithArgs("/setup/setup.sh")
                .WithEnvironment("HOME", "/tmp");
            container.WaitFor(server);
            setup = container;
        }
        else
        {
            var home = Path.Combine(settings.DataDirectory, $"{name}-setup");
            Directory.CreateDirectory(home);
            var executable = builder.AddExecutable($"{name}-setup", "sh", SetupDirectory(settings), "setup.sh")
                .WithEnvironment("MC", settings.MinioClientPath!)
                .WithEnvironment("HOME", home);
            executable.WaitFor(server);
            setup = executable;
        }

        setup
            .WithEnvironment("STORAGE_URL", endpoint)
            .WithEnvironment("ROOT_ACCESS_KEY", accessKey)
            .WithEnvironment("ROOT_SECRET_KEY", secretKey)
            .WithEnvironment("INPUT_BUCKET", StorageNames.InputBucket)
            .WithEnvironment("OUTPUT_BUCKET", StorageNames.OutputBucket);
        foreach (var (service, user) in users)
        {
            var prefix = service.ToUpperInvariant();
            setup
                .WithEnvironment($"{prefix}_ACCESS_KEY", user.Resource.AccessKey)
                .WithEnvironment($"{prefix}_SECRET_KEY", user.Resource.SecretKey);
        }

        return setup;
    }

    /// <summary>manifests/base/storage: the set-up script and the services' policies, shared with the Kubernetes deployment.</summary>
    public static string SetupDirectory(AppHostSettings settings) =>
        Path.Combine(settings.RepositoryRoot, "manifests", "base", "storage");

    private static IResourceBuilder<ParameterResource> SecretKey(IDistributedApplicationBuilder builder, string name) =>
        builder.AddParameter(name, new GenerateParameterDefault { MinLength = 24, Special = false }, secret: true, persist: true);

    /// <summary>
    /// Lets the upload page's origin, and it alone, call storage from a browser (presigned PUTs,
    /// ranged GETs of results). Deployments set CORS in their own storage set-up.
    /// </summary>
    public static void AllowBrowsersFrom(this ObjectStorage objectStorage, IResourceBuilder<ProjectResource> page, AppHostSettings settings)
    {
        var storage = objectStorage.Server;
        if (settings.IsPublishMode || storage.Resource is not IResourceWithEnvironment)
        {
            return;
        }

        var endpoint = page.GetEndpoint("http");
        storage.ApplicationBuilder.CreateResourceBuilder((IResourceWithEnvironment)storage.Resource).WithEnvironment(context =>
        {
            // The page is opened at localhost or at 127.0.0.1; each is its own origin.
            var url = new Uri(endpoint.Url);
            var origins = string.Join(',',
                $"{url.Scheme}://localhost:{url.Port}", $"{url.Scheme}://127.0.0.1:{url.Port}");
            context.EnvironmentVariables["S3_CORS_ORIGINS"] = origins; // the stand-in
            context.EnvironmentVariables["MINIO_API_CORS_ALLOW_ORIGIN"] = origins; // MinIO
        });
    }
}
