namespace VideoConversion.AppHost.Resources;

/// <summary>
/// RabbitMQ run from the operating system's package as a host process. It offers the same
/// connection string as the container resource, so services reference either one the same way.
/// </summary>
public sealed class RabbitMQExecutableResource(
    string name, string command, string workingDirectory, ParameterResource userName, ParameterResource password)
    : ExecutableResource(name, command, workingDirectory), IResourceWithConnectionString
{
    public const string AmqpEndpointName = "tcp";
    public const string ManagementEndpointName = "management";

    public ParameterResource UserName { get; } = userName;

    public ParameterResource Password { get; } = password;

    public EndpointReference AmqpEndpoint => new(this, AmqpEndpointName);

    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create($"amqp://{UserName}:{Password}@{AmqpEndpoint.Property(EndpointProperty.HostAndPort)}");
}
