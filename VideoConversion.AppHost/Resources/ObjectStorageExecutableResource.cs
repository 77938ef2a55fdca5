namespace VideoConversion.AppHost.Resources;

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
