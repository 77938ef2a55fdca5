using System.Globalization;

namespace VideoConversion.AppHost.Infrastructure;

internal static class StorageResources
{
    // The last MinIO release published as an image; pinned so every laptop runs the same server.
    private const string MinioImageTag = "RELEASE.2025-04-22T22-12-26Z";

    /// <summary>Buckets the stand-in creates at start (with CORS). Services also create missing buckets themselves.</summary>
    private const string Buckets = "input,output";

    public static IResourceBuilder<IResourceWithConnectionString> AddObjectStorage(
        this IDistributedApplicationBuilder builder, string name, AppHostSettings settings)
    {
        var accessKey = builder.AddParameter($"{name}-access-key", "videoconversion");
        var secretKey = builder.AddParameter(
            $"{name}-secret-key", new GenerateParameterDefault { MinLength = 24, Special = false }, secret: true, persist: true);

        if (settings.Mode == InfrastructureMode.Container)
        {
            return builder.AddResource(new MinioContainerResource(name, accessKey.Resource, secretKey.Resource))
                .WithImage("minio/minio", MinioImageTag)
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
            return builder.AddResource(new ObjectStorageExecutableResource(name, minio, dataDirectory, accessKey.Resource, secretKey.Resource))
                .WithArgs("server", dataDirectory, "--address", $"127.0.0.1:{port}", "--console-address", $"127.0.0.1:{FreeTcpPort.Next()}")
                .WithHttpEndpoint(targetPort: port, name: ObjectStorageExecutableResource.ApiEndpointName)
                .WithEnvironment("MINIO_ROOT_USER", accessKey)
                .WithEnvironment("MINIO_ROOT_PASSWORD", secretKey)
                .WithHttpHealthCheck("/minio/health/live", endpointName: ObjectStorageExecutableResource.ApiEndpointName);
        }

        var standIn = S3StandIn.Directory(settings);
        return builder.AddResource(new ObjectStorageExecutableResource(name, settings.NodePath, standIn, accessKey.Resource, secretKey.Resource))
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

    /// <summary>
    /// Lets the upload page's origin, and it alone, call storage from a browser (presigned PUTs,
    /// ranged GETs of results). Deployments set CORS in their own storage set-up.
    /// </summary>
    public static void AllowBrowsersFrom(
        this IResourceBuilder<IResourceWithConnectionString> storage, IResourceBuilder<ProjectResource> page, AppHostSettings settings)
    {
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
