namespace VideoConversion.AppHost.Resources;

/// <summary>The connection string every S3-compatible storage resource offers to the services.</summary>
internal static class StorageConnectionString
{
    public static ReferenceExpression For(EndpointReference endpoint, ParameterResource accessKey, ParameterResource secretKey) =>
        ReferenceExpression.Create($"Endpoint={endpoint.Property(EndpointProperty.Url)};AccessKey={accessKey};SecretKey={secretKey}");
}
