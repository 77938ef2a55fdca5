using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using VideoConversion.Api.Data.PostgreSQL;
using VideoConversion.Api.Extensions;

namespace VideoConversion.Api.Data;

/// <summary>
/// The job database this process uses: its provider (<c>Database:Provider</c>) and connection string
/// (<c>ConnectionStrings:jobs</c>), and everything that differs between the providers, so the rest of the API is written once.
/// </summary>
public sealed class JobDatabase
{
    public const string ProviderSetting = "Database:Provider";

    /// <summary>
    /// PostgreSQL: the writer's connections name the statement of a batch that failed (<see cref="NpgsqlException.BatchCommand"/>,
    /// off by default): an account group's batch holds its writes' statements (<see cref="DatabaseWriter"/>), and the one
    /// that failed is its write's fault, not the group's. The writer takes the statement off the exception once it has read
    /// whose it was, so its parameters travel no further. A connection string of their own puts the writer's connections
    /// (one per lane, 12, held open) in a pool of their own, beside the requests' pool.
    /// </summary>
    private readonly string? _writerConnectionString;

    private JobDatabase(DatabaseProvider provider, string connectionString)
    {
        Provider = provider;
        ConnectionString = connectionString;
        _writerConnectionString = provider == DatabaseProvider.PostgreSQL
            ? new NpgsqlConnectionStringBuilder(connectionString) { IncludeFailedBatchedCommand = true }.ConnectionString
            : null;
    }

    public DatabaseProvider Provider { get; }

    public string ConnectionString { get; }

    public bool IsPostgreSql => Provider == DatabaseProvider.PostgreSQL;

    /// <summary>The SQLite file's full path; null on PostgreSQL.</summary>
    public string? SqliteFile => IsPostgreSql ? null : Path.GetFullPath(new SqliteConnectionStringBuilder(ConnectionString).DataSource);

    public static JobDatabase From(IConfiguration configuration)
    {
        var name = ApplicationServiceExtensions.DatabaseConnectionName;
        var provider = configuration.GetValue(ProviderSetting, DatabaseProvider.Sqlite);
        var connectionString = configuration.GetConnectionString(name);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            var example = provider == DatabaseProvider.PostgreSQL
                ? "'Host=db;Port=5432;Database=jobs;Username=videoconversion;Password=…'"
                : "'Data Source=/path/jobs.db'";
            throw new InvalidOperationException(
                $"Connection string '{name}' is missing: set ConnectionStrings__{name} to {example} ({ProviderSetting} is {provider}).");
        }

        return new JobDatabase(provider, provider == DatabaseProvider.PostgreSQL ? WithPreparedStatements(WithSessionLimits(connectionString)) : connectionString);
    }

    /// <summary>How many statements each connection keeps prepared, unless the connection string says otherwise.</summary>
    public const int AutoPreparedStatements = 64;

    /// <summary>
    /// Statements the API runs again and again are prepared on each connection (Npgsql's automatic preparation, off unless
    /// asked for: a statement is prepared on a connection at its 5th use there): the server then parses each once per
    /// connection, not on every call, and may keep its plan. 64 hold the hot ones; a less used one is prepared again when
    /// it becomes hot. An operator's own <c>Max Auto Prepare</c> wins: 0 behind a proxy that does not keep prepared
    /// statements for each client (a pooler in front of the API must run in session mode anyway: its leases' advisory
    /// locks and the writer's lock_timeout belong to the session).
    /// </summary>
    private static string WithPreparedStatements(string connectionString)
    {
        // The plain builder says what the string names; NpgsqlConnectionStringBuilder.ContainsKey says which keywords Npgsql knows.
        var given = new DbConnectionStringBuilder { ConnectionString = connectionString };
        if (given.ContainsKey("Max Auto Prepare") || given.ContainsKey("MaxAutoPrepare"))
        {
            return connectionString;
        }

        return new NpgsqlConnectionStringBuilder(connectionString) { MaxAutoPrepare = AutoPreparedStatements }.ConnectionString;
    }

    /// <summary>
    /// What every session of the API asks of the server: that it notices within a minute a replica gone without closing
    /// its connections (a dead node, a partition: TCP keepalives, not the OS's two hours), and that no transaction left
    /// idle holds its locks (an outbox claim, a batch's rows, a duty's lease check) for longer than one could take. Without
    /// them such a replica's locks would stop every other replica's writes and once-only duties until the OS gave up.
    /// The operator's own Options follow these, and win.
    /// </summary>
    private static string WithSessionLimits(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        const string Limits = "-c tcp_keepalives_idle=15 -c tcp_keepalives_interval=5 -c tcp_keepalives_count=3 -c idle_in_transaction_session_timeout=120000";
        builder.Options = string.IsNullOrWhiteSpace(builder.Options) ? Limits : $"{Limits} {builder.Options}";
        return builder.ConnectionString;
    }

    /// <summary>Options of a context that opens its own connections.</summary>
    public DbContextOptionsBuilder Configure(DbContextOptionsBuilder options) => Provider switch
    {
        DatabaseProvider.PostgreSQL => options.UseNpgsql(ConnectionString),
        _ => options.UseSqlite(ConnectionString),
    };

    /// <summary>Options of contexts that share one open connection (the group-commit writer's).</summary>
    public DbContextOptions ContextOptions(DbConnection connection, Action<DbContextOptionsBuilder> more)
    {
        DbContextOptionsBuilder options = Provider switch
        {
            DatabaseProvider.PostgreSQL => new DbContextOptionsBuilder<PostgreSqlJobsDbContext>().UseNpgsql(connection),
            _ => new DbContextOptionsBuilder<JobsDbContext>().UseSqlite(connection),
        };
        more(options);
        return options.Options;
    }

    /// <summary>A context of this provider's type on options made by <see cref="ContextOptions"/>.</summary>
    public JobsDbContext NewContext(DbContextOptions options, DatabaseWriteGate gate) => options switch
    {
        DbContextOptions<PostgreSqlJobsDbContext> postgreSql => new PostgreSqlJobsDbContext(postgreSql, gate),
        DbContextOptions<JobsDbContext> sqlite => new JobsDbContext(sqlite, gate),
        _ => throw new ArgumentException($"Options of {options.ContextType.Name} are not the job database's.", nameof(options)),
    };

    /// <summary>
    /// The writer's own connection. SQLite: out of the pool and with a cache of its own, so the settings the writer gives
    /// it (<see cref="DeferLogSyncAsync"/>'s NORMAL) never reach a connection that commits without the writer's flush.
    /// </summary>
    public DbConnection NewConnection() => Provider switch
    {
        DatabaseProvider.PostgreSQL => new NpgsqlConnection(_writerConnectionString),
        _ => new SqliteConnection(new SqliteConnectionStringBuilder(ConnectionString) { Pooling = false, Cache = SqliteCacheMode.Private }.ConnectionString),
    };

    /// <summary>
    /// What a writer's connection sets once opened. SQLite: FULL makes a commit durable (the WAL synced) before COMMIT
    /// returns (lowered to NORMAL by <see cref="DeferLogSyncAsync"/> when the writer flushes the log itself), and writers
    /// of other processes (scripts/manage) are waited for, not failed. PostgreSQL's defaults already
    /// make a commit durable (synchronous_commit on); a write waiting for another replica's lock (a row, an account's
    /// lock) gives up after 5 s (55P03) and is run again in a later batch, instead of holding this replica's writes for
    /// the command's whole time limit and then failing its request.
    /// </summary>
    public string? WriterConnectionSetup => Provider switch
    {
        DatabaseProvider.PostgreSQL => "SET lock_timeout = '5s'",
        _ => "PRAGMA synchronous=FULL; PRAGMA busy_timeout=10000;",
    };

    /// <summary>
    /// SQLite in WAL mode: sets the writer's connection to commit without syncing the log (<c>synchronous=NORMAL</c>), and
    /// returns the log, which the writer flushes itself before it answers a batch's writes (see <see cref="DatabaseWriter"/>):
    /// an answer is still given only once its write is on disk, but the flush no longer holds the connection. It checkpoints
    /// no more either (<c>wal_autocheckpoint=0</c>): the writer runs a <see cref="WalCheckpointer"/> with the flush. Otherwise
    /// (PostgreSQL; SQLite without WAL) null: a commit is durable when it returns.
    /// </summary>
    public async Task<WriteAheadLog?> DeferLogSyncAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        if (connection is not SqliteConnection sqlite)
        {
            return null;
        }

        await using var command = sqlite.CreateCommand();
        command.CommandText = "PRAGMA journal_mode;";
        if (!string.Equals(await command.ExecuteScalarAsync(cancellationToken) as string, "wal", StringComparison.OrdinalIgnoreCase))
        {
            return null; // a rollback journal's commit is synced by SQLite itself (FULL)
        }

        // The file as SQLite named it (symbolic links resolved): its log is that name and "-wal". Were the log not there
        // while this connection has the database open, the name would be wrong, and a flush of it would flush nothing:
        // the connection then stays at FULL.
        command.CommandText = "SELECT file FROM pragma_database_list WHERE name = 'main';";
        if (await command.ExecuteScalarAsync(cancellationToken) is not string { Length: > 0 } file || WriteAheadLog.Open(file + "-wal") is not { } log)
        {
            return null;
        }

        try
        {
            // Checkpoints leave the connection too: the writer runs them on a thread of its own (WalCheckpointer says why).
            command.CommandText = "PRAGMA synchronous=NORMAL; PRAGMA wal_autocheckpoint=0;";
            await command.ExecuteNonQueryAsync(cancellationToken);
            return log;
        }
        catch
        {
            log.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The writer's transaction. SQLite: BEGIN IMMEDIATE takes the write lock at once, so the batch never fails half-way on
    /// "database is locked". PostgreSQL: read committed, rows locked as they are written.
    /// </summary>
    public async Task<DbTransaction> BeginWriteAsync(DbConnection connection, CancellationToken cancellationToken) => connection switch
    {
        SqliteConnection sqlite => sqlite.BeginTransaction(deferred: false),
        _ => await connection.BeginTransactionAsync(cancellationToken),
    };

    /// <summary>Where this database lives, for the logs (never the password).</summary>
    public string Describe() => Provider switch
    {
        DatabaseProvider.PostgreSQL => DescribePostgreSql(ConnectionString),
        _ => SqliteFile!,
    };

    private static string DescribePostgreSql(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        return $"PostgreSQL {builder.Host}:{builder.Port}/{builder.Database} as {builder.Username}";
    }
}
