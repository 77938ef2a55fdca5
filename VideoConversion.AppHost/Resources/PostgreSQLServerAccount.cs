using VideoConversion.Processes;

namespace VideoConversion.AppHost.Resources;

/// <summary>
/// Who the host-run PostgreSQL server runs as. PostgreSQL refuses to run as root (a flaw in it would otherwise own the
/// machine), so an AppHost running as root runs the server, and every program that touches its data directory, as the
/// 'postgres' system user Debian's package creates, through util-linux's runuser (su for root: no password, no PAM
/// session). An AppHost running as anyone else runs them as itself.
/// </summary>
internal sealed class PostgreSQLServerAccount
{
    public const string SystemUser = "postgres";

    private static readonly TimeSpan QuickTimeout = TimeSpan.FromSeconds(10);

    /// <summary>id's arguments for the name of the system user's own group.</summary>
    private static readonly string[] SystemUserGroupQuery = ["-gn", SystemUser];

    private PostgreSQLServerAccount(bool isSystemUser) => IsSystemUser = isSystemUser;

    /// <summary>The account for this AppHost: the system user when the AppHost is root, the AppHost's own user otherwise.</summary>
    public static PostgreSQLServerAccount ForThisProcess() => new(Environment.IsPrivilegedProcess);

    /// <summary>Whether the server runs as <see cref="SystemUser"/> (the AppHost is root) rather than as the AppHost's user.</summary>
    public bool IsSystemUser { get; }

    /// <summary>runuser, by its full path: DCP starts the server with it, and a root shell's PATH may lack /usr/sbin.</summary>
    public static string RunUserPath => ExecutableLocator.Resolve("runuser") ?? "/usr/sbin/runuser";

    public static bool SystemUserExists =>
        File.Exists("/etc/passwd") && File.ReadLines("/etc/passwd").Any(line => line.StartsWith(SystemUser + ":", StringComparison.Ordinal));

    /// <summary>What to start so that <paramref name="program"/> runs as this account.</summary>
    public (string FileName, IReadOnlyList<string> Arguments) Command(string program, IEnumerable<string> arguments)
    {
        string[] programArguments = [.. arguments];
        if (!IsSystemUser)
        {
            return (program, programArguments);
        }

        string[] asSystemUser = ["-u", SystemUser, "--", program, .. programArguments];
        return (RunUserPath, asSystemUser);
    }

    /// <summary>Runs <paramref name="program"/> as this account to its end.</summary>
    /// <param name="standardInput">Its input, such as statements for single-user mode: never on its command line, which any local user can read.</param>
    public Task<ProcessResult> RunAsync(
        string program, IEnumerable<string> arguments, TimeSpan timeout, CancellationToken cancellationToken, string? standardInput = null)
    {
        var (fileName, commandArguments) = Command(program, arguments);
        // From "/": the system user may be unable to enter the AppHost's working directory, and some tools ask where they are.
        // The environment is empty but for LC_ALL=C (ProcessRunner's default): the server's tools need nothing from it.
        return ProcessRunner.RunAsync(fileName, commandArguments, "/", timeout, onOutputLine: null, cancellationToken, standardInput: standardInput);
    }

    /// <exception cref="InvalidOperationException"><paramref name="program"/> failed; the message says what it wrote.</exception>
    public async Task RunToSuccessAsync(
        string what, string program, IEnumerable<string> arguments, TimeSpan timeout, CancellationToken cancellationToken, string? standardInput = null)
    {
        var result = await RunAsync(program, arguments, timeout, cancellationToken, standardInput);
        EnsureSucceeded(what, result);
    }

    /// <summary>A directory only this account may use, as PostgreSQL demands of its data directory (mode 0700).</summary>
    public async Task CreatePrivateDirectoryAsync(string path, CancellationToken cancellationToken)
    {
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("PostgreSQL runs on the host on Linux only; on Windows, run it as a container.");
        }

        Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        if (IsSystemUser)
        {
            await RunAsAppHostAsync("chown", [SystemUser, path], cancellationToken);
        }
    }

    /// <summary>
    /// Lets the system user enter <paramref name="directory"/>, a directory of ours in the data directory, which holds
    /// the server's data directory. The data directory's parents are the operator's: they must let it pass already.
    /// </summary>
    /// <remarks>
    /// Chosen over keeping the cluster outside the data directory (where the system user can reach anything, such as its
    /// home): the cluster then goes wherever the data directory goes, and a test's temporary data directory takes its
    /// cluster with it when it is deleted. The price is entry (not listing) into the data directory for the server's
    /// account: given to its group alone where the directory gives its group nothing (a test's 0700 directory), to
    /// everyone otherwise (a directory already open to its group, such as 0750, keeps that group).
    /// </remarks>
    /// <exception cref="InvalidOperationException">A parent of the data directory keeps the system user out.</exception>
    public async Task EnsureCanEnterAsync(string directory, CancellationToken cancellationToken)
    {
        if (!IsSystemUser || await CanEnterAsync(directory, cancellationToken))
        {
            return;
        }

        // Ours alone, holding nothing but the cluster (which is the server's alone): entry for everyone costs nothing.
        AddMode(directory, UnixFileMode.OtherExecute);
        var dataDirectory = Path.GetDirectoryName(directory)!;
        if (!await CanEnterAsync(directory, cancellationToken))
        {
            await OpenForEntryAsync(dataDirectory, cancellationToken);
        }

        if (!await CanEnterAsync(directory, cancellationToken))
        {
            throw new InvalidOperationException(
                $"The PostgreSQL server runs as the '{SystemUser}' user (it refuses to run as root), which cannot reach {directory}: " +
                $"a directory above {dataDirectory} is closed to other users. Set {AppHostSettings.SectionName}:DataDirectory to a " +
                "directory it can reach (under /tmp, say), or run the AppHost as a user other than root.");
        }
    }

    private async Task<bool> CanEnterAsync(string directory, CancellationToken cancellationToken) =>
        (await RunAsync(ExecutableLocator.Resolve("test") ?? "/usr/bin/test", ["-x", directory], QuickTimeout, cancellationToken)).ExitCode == 0;

    private static async Task OpenForEntryAsync(string directory, CancellationToken cancellationToken)
    {
        if (OperatingSystem.IsWindows())
        {
            return; // no system user there (see IsSystemUser's callers)
        }

        const UnixFileMode groupBits = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute;
        if ((File.GetUnixFileMode(directory) & groupBits) == 0)
        {
            var group = await RunAsAppHostAsync("id", SystemUserGroupQuery, cancellationToken);
            await RunAsAppHostAsync("chgrp", [group.StandardOutput.Trim(), directory], cancellationToken);
            AddMode(directory, UnixFileMode.GroupExecute);
        }
        else
        {
            AddMode(directory, UnixFileMode.OtherExecute);
        }
    }

    private static void AddMode(string path, UnixFileMode mode)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, File.GetUnixFileMode(path) | mode);
        }
    }

    /// <summary>Runs a program as the AppHost itself (root, when it changes owners) and returns what it wrote.</summary>
    /// <exception cref="InvalidOperationException">It failed.</exception>
    private static async Task<ProcessResult> RunAsAppHostAsync(string program, IEnumerable<string> arguments, CancellationToken cancellationToken) =>
        EnsureSucceeded(program, await ProcessRunner.RunAsync(program, arguments, "/", QuickTimeout, onOutputLine: null, cancellationToken));

    private static ProcessResult EnsureSucceeded(string what, ProcessResult result) =>
        result.ExitCode == 0
            ? result
            : throw new InvalidOperationException($"{what} failed (exit code {result.ExitCode}): {result.StandardErrorTail.Trim()}");
}
