namespace VideoConversion.AppHost.Resources;

/// <summary>
/// The host-run server's data directory (a "cluster", in PostgreSQL's words), under the AppHost's data directory: made
/// on the first start, reused on every later one, and always left with the application role's password the AppHost
/// holds now. Everything here runs before the server starts, on the data directory alone (initdb, then PostgreSQL's
/// single-user mode), so no superuser password exists anywhere and none is written to a file.
/// </summary>
internal sealed class PostgreSQLCluster(AppHostSettings settings, PostgreSQLServerAccount account, string directory)
{
    private static readonly TimeSpan QuickTimeout = TimeSpan.FromSeconds(10);

    // initdb syncs a few hundred files; single-user mode first recovers a server that was killed; both on a busy machine.
    private static readonly TimeSpan InitDbTimeout = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan SingleUserTimeout = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(90);

    /// <summary>{DataDirectory}/postgres: ours, holding the cluster; the server's working directory.</summary>
    public string ServerDirectory { get; } = directory;

    /// <summary>The server's own data directory (its -D); it exists only once it is complete.</summary>
    public string DataDirectory => Path.Combine(ServerDirectory, "cluster");

    /// <summary>Where a new cluster is made, to be renamed <see cref="DataDirectory"/> once it is complete.</summary>
    private string NewDataDirectory => Path.Combine(ServerDirectory, "cluster.new");

    /// <summary>Just before each start of the server.</summary>
    /// <exception cref="InvalidOperationException">A step failed; the message says which and what it wrote.</exception>
    public async Task PrepareAsync(string password, CancellationToken cancellationToken)
    {
        await account.EnsureCanEnterAsync(ServerDirectory, cancellationToken);
        if (Directory.Exists(DataDirectory))
        {
            await StopLeftoverServerAsync(cancellationToken);
            await RunSingleUserAsync(DataDirectory, PostgreSQLApplicationRole.SetPassword(password), cancellationToken);
            return;
        }

        // Made aside and renamed when complete: a first start stopped half-way leaves no cluster that looks ready (with
        // no application role, say), only this, made again from the start.
        if (Directory.Exists(NewDataDirectory))
        {
            Directory.Delete(NewDataDirectory, recursive: true);
        }

        await account.CreatePrivateDirectoryAsync(NewDataDirectory, cancellationToken);
        await account.RunToSuccessAsync("initdb", Program(PostgreSQLPrograms.InitDb),
            [
                "-D", NewDataDirectory,
                "-U", PostgreSQLApplicationRole.Superuser,
                // Over TCP, a password, hashed with SCRAM: the superuser has none, so only the application role signs in.
                "--auth-host=scram-sha-256",
                // The server opens no Unix socket (see the server's arguments); were one opened, only the operating system's
                // user of the same name would sign in through it.
                "--auth-local=peer",
                // C: byte-order collation, the same on every machine, and no glibc upgrade can reorder an index under it.
                "--encoding=UTF8", "--locale=C",
                "--no-instructions",
            ],
            InitDbTimeout, cancellationToken);
        await RunSingleUserAsync(NewDataDirectory, PostgreSQLApplicationRole.Create(password), cancellationToken);
        Directory.Move(NewDataDirectory, DataDirectory);
    }

    /// <summary>
    /// A server of an earlier AppHost that ended without stopping it (killed, so DCP could not) still holds the data
    /// directory, and this start would fail on its lock. Stopped fast: its clients went with that AppHost. Two AppHosts
    /// on one data directory cannot share it anyway (nor the broker's, which is named after it).
    /// </summary>
    private async Task StopLeftoverServerAsync(CancellationToken cancellationToken)
    {
        var status = await account.RunAsync(Program(PostgreSQLPrograms.Control), ["status", "-D", DataDirectory], QuickTimeout, cancellationToken);
        if (status.ExitCode != 0)
        {
            return; // 3: no server runs there
        }

        await account.RunToSuccessAsync("stopping the PostgreSQL server an earlier AppHost left running", Program(PostgreSQLPrograms.Control),
            ["stop", "-D", DataDirectory, "-m", "fast", "-w", "-t", "60"], StopTimeout, cancellationToken);
    }

    /// <summary>
    /// Statements run as the superuser on the data directory itself, with no server running: no password, no socket, no
    /// port. The statements come on standard input, one a line; an error stops it (exit_on_error) with a non-zero exit, and
    /// is reported without the statement (log_min_error_statement), which may hold a password.
    /// </summary>
    private Task RunSingleUserAsync(string dataDirectory, string statements, CancellationToken cancellationToken) =>
        account.RunToSuccessAsync("PostgreSQL's set-up of the application role (single-user mode)", Program(PostgreSQLPrograms.Server),
            [
                "--single", "-D", dataDirectory,
                "-c", "exit_on_error=true",
                "-c", "log_min_error_statement=panic",
                "-c", "log_checkpoints=off",
                "postgres", // the database to connect to: the one initdb always makes
            ],
            SingleUserTimeout, cancellationToken, statements);

    private string Program(string name) => Path.Combine(settings.PostgreSQLBinDirectory, name);
}
