namespace VideoConversion.AppHost.Resources;

/// <summary>Where the API keeps its jobs and accounts (setting VideoConversion:Database).</summary>
public enum DatabaseMode
{
    /// <summary>A SQLite file in the data directory: nothing to run beside the API, but one API process only.</summary>
    Sqlite,

    /// <summary>
    /// A PostgreSQL server the AppHost runs: a container where containers run (<see cref="InfrastructureMode"/>),
    /// the host's own PostgreSQL otherwise. Several API replicas share it.
    /// </summary>
    PostgreSQL,

    /// <summary>A PostgreSQL server of the operator's, named by the AppHost's ConnectionStrings:jobs.</summary>
    External,
}
