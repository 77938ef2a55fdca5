using System.Globalization;

namespace VideoConversion.AppHost.Resources;

/// <summary>
/// The host's PostgreSQL programs the AppHost runs. Debian and Ubuntu keep them out of PATH, in a directory per major
/// version (/usr/lib/postgresql/15/bin for Debian 12's postgresql-15), so several versions can be installed side by side.
/// </summary>
internal static class PostgreSQLPrograms
{
    /// <summary>Debian 12's package: what scripts/install-prerequisites installs there (as 'postgresql', the release's own version).</summary>
    public const string DebianPackage = "postgresql-15";

    private const string PackagesRoot = "/usr/lib/postgresql";
    private const string Debian12BinDirectory = PackagesRoot + "/15/bin";

    /// <summary>Makes a data directory (a "cluster").</summary>
    public const string InitDb = "initdb";

    /// <summary>The server, also run once in single-user mode to set the application role up.</summary>
    public const string Server = "postgres";

    /// <summary>Tells whether a server still runs on a data directory, and stops it.</summary>
    public const string Control = "pg_ctl";

    public static readonly IReadOnlyList<string> All = [InitDb, Server, Control];

    /// <summary>
    /// Debian 12's version when it is there; otherwise the newest one installed the same way (another Debian or Ubuntu
    /// release packages another major version), so only a machine without any asks for VideoConversion:PostgreSQLBinDirectory.
    /// </summary>
    public static string DefaultBinDirectory()
    {
        if (File.Exists(Path.Combine(Debian12BinDirectory, Server)) || !Directory.Exists(PackagesRoot))
        {
            return Debian12BinDirectory;
        }

        return Directory.GetDirectories(PackagesRoot)
            .Select(directory => (Directory: Path.Combine(directory, "bin"),
                Major: int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var major) ? major : -1))
            .Where(candidate => candidate.Major >= 0 && File.Exists(Path.Combine(candidate.Directory, Server)))
            .OrderByDescending(candidate => candidate.Major)
            .Select(candidate => candidate.Directory)
            .FirstOrDefault() ?? Debian12BinDirectory;
    }
}
