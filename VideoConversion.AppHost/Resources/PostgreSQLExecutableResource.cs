namespace VideoConversion.AppHost.Resources;

/// <summary>
/// PostgreSQL run from the operating system's package as a host process, on a port the AppHost picked. Services reach
/// it through its <see cref="PostgreSQLDatabaseResource"/>, as the application role, never as the superuser.
/// </summary>
public sealed class PostgreSQLExecutableResource(string name, string command, string workingDirectory)
    : ExecutableResource(name, command, workingDirectory)
{
    public const string EndpointName = "tcp";

    public EndpointReference Endpoint => new(this, EndpointName);
}
