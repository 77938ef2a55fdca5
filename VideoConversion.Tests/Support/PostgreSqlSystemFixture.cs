namespace VideoConversion.Tests.Support;

/// <summary>
/// The whole system as <see cref="SystemFixture"/> starts it, with its jobs in PostgreSQL instead of SQLite: the AppHost
/// runs a PostgreSQL server of its own (a host process here, a container where Docker is), and the API uses it.
/// </summary>
public sealed class PostgreSqlSystemFixture() : SystemFixture(Shape)
{
    private static SystemShape Shape => SystemShape.Whole with
    {
        DataDirectoryPrefix = "videoconversion-postgresql-",
        AppHostArguments = [SystemShape.OnPostgreSql],
    };
}

[CollectionDefinition(Name)]
public sealed class PostgreSqlSystem : ICollectionFixture<PostgreSqlSystemFixture>
{
    public const string Name = "Whole system on PostgreSQL";
}
