namespace VideoConversion.Api.Data;

/// <summary>
/// Which database server keeps the jobs (setting <c>Database:Provider</c>). SQLite is embedded and needs nothing beside the
/// API, but allows one API process; PostgreSQL is a server that several API replicas share.
/// </summary>
public enum DatabaseProvider
{
    Sqlite,
    PostgreSQL,
}
