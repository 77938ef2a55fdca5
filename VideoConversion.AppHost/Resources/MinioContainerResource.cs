namespace VideoConversion.AppHost.Resources;

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
