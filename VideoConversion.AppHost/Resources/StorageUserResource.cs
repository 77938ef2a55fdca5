namespace VideoConversion.AppHost.Resources;

/// <summary>
/// One service's own storage user: the server's address with that user's keys. The user is limited
/// by <see cref="PolicyFile"/> (manifests/base/storage/{service}-policy.json), which MinIO and the
/// S3 stand-in both enforce; the server's root keys are never handed to a service.
/// </summary>
public sealed class StorageUserResource(
    string name, IResourceWithEndpoints server, ParameterResource accessKey, ParameterResource secretKey, string policyFile)
    : Resource(name), IResourceWithConnectionString, IResourceWithParent<IResourceWithEndpoints>
{
    public IResourceWithEndpoints Parent { get; } = server;

    public ParameterResource AccessKey { get; } = accessKey;

    public ParameterResource SecretKey { get; } = secretKey;

    public string PolicyFile { get; } = policyFile;

    public ReferenceExpression ConnectionStringExpression =>
        StorageConnectionString.For(new EndpointReference(Parent, "http"), AccessKey, SecretKey);
}
