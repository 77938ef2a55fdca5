namespace VideoConversion.AppHost.Resources;

/// <summary>
/// The job database on the host-run server, as its application role reaches it: the role owns the database and nothing
/// else (no superuser, no other database, no roles). Named "jobs" like the container's database resource, so the
/// connection string is found under one name whichever way the server runs.
/// </summary>
public sealed class PostgreSQLDatabaseResource(string name, PostgreSQLExecutableResource server, ParameterResource password)
    : Resource(name), IResourceWithConnectionString, IResourceWithParent<PostgreSQLExecutableResource>
{
    public PostgreSQLExecutableResource Parent { get; } = server;

    /// <summary>The application role's password, generated once and kept in the AppHost's user secrets.</summary>
    public ParameterResource Password { get; } = password;

    // 127.0.0.1, not the endpoint's "localhost": the server listens on IPv4 loopback alone, and a client would try ::1 first.
    public ReferenceExpression ConnectionStringExpression =>
        ReferenceExpression.Create(
            $"Host=127.0.0.1;Port={Parent.Endpoint.Property(EndpointProperty.Port)};Username={PostgreSQLApplicationRole.Name};Password={Password};Database={PostgreSQLApplicationRole.Database}");
}
