namespace VideoConversion.AppHost.Resources;

/// <summary>
/// One service's own RabbitMQ user: the broker's AMQP address with that user's password. What the
/// user may do is <see cref="Grant"/>, written into the broker's definitions.
/// </summary>
public sealed class BrokerUserResource(
    string name, IResourceWithEndpoints broker, ParameterResource password, BrokerGrant grant)
    : Resource(name), IResourceWithConnectionString, IResourceWithParent<IResourceWithEndpoints>
{
    public IResourceWithEndpoints Parent { get; } = broker;

    public ParameterResource Password { get; } = password;

    public BrokerGrant Grant { get; } = grant;

    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create(
            $"amqp://{Grant.UserName}:{Password}@{new EndpointReference(Parent, "tcp").Property(EndpointProperty.HostAndPort)}");
}
