namespace VideoConversion.AppHost.Infrastructure;

/// <summary>The connection string every S3-compatible storage resource offers to the services.</summary>
internal static class StorageConnectionString
{
    public static ReferenceExpression For(EndpointReference endpoint, ParameterResource accessKey, ParameterResource secretKey) =>
        ReferenceExpression.Create($"Endpoint={endpoint.Property(EndpointProperty.Url)};AccessKey={accessKey};SecretKey={secretKey}");
}

/// <summary>MinIO from the official image.</summary>
public sealed class MinioContainerResource(string name, ParameterResource accessKey, ParameterResource secretKey)
    : ContainerResource(name), IResourceWithConnectionString
{
    public const string ApiEndpointName = "http";

    public ParameterResource AccessKey { get; } = accessKey;

    public ParameterResource SecretKey { get; } = secretKey;

    public ReferenceExpression ConnectionStringExpression =>
        StorageConnectionString.For(new EndpointReference(this, ApiEndpointName), AccessKey, SecretKey);
}

/// <summary>An S3-compatible server run on the host: MinIO's own binary, or the npm stand-in.</summary>
public sealed class ObjectStorageExecutableResource(
    string name, string command, string workingDirectory, ParameterResource accessKey, ParameterResource secretKey, bool isStandIn)
    : ExecutableResource(name, command, workingDirectory), IResourceWithConnectionString
{
    public const string ApiEndpointName = "http";

    /// <summary>The npm stand-in (it takes its users from the environment) rather than MinIO (users are made with mc).</summary>
    public bool IsStandIn { get; } = isStandIn;

    public ParameterResource AccessKey { get; } = accessKey;

    public ParameterResource SecretKey { get; } = secretKey;

    public ReferenceExpression ConnectionStringExpression =>
        StorageConnectionString.For(new EndpointReference(this, ApiEndpointName), AccessKey, SecretKey);
}
