using VideoConversion.Processes;

namespace VideoConversion.AppHost.Resources;

/// <summary>
/// Checks, before anything starts, that every program the chosen mode runs on the host exists.
/// A resource that cannot start would otherwise leave everything that waits for it hanging.
/// </summary>
internal static class Prerequisites
{
    private const string InstallHint =
        "Run 'scripts/install-prerequisites' (Debian/Ubuntu), or install them yourself; " +
        "with Docker running, RabbitMQ, MinIO and PostgreSQL run as containers instead.";

    public static bool AreMet(AppHostSettings settings, TextWriter report)
    {
        if (settings.IsPublishMode)
        {
            return true;
        }

        var missing = FindMissing(settings).ToList();
        if (missing.Count == 0)
        {
            return true;
        }

        report.WriteLine($"VideoConversion cannot start in {settings.Mode} mode. Missing:");
        foreach (var item in missing)
        {
            report.WriteLine($"  - {item}");
        }

        report.WriteLine(InstallHint);
        return false;
    }

    public static IEnumerable<string> FindMissing(AppHostSettings settings)
    {
        // The worker always runs on the host in local runs, so it always needs FFmpeg.
        if (ExecutableLocator.Resolve(settings.FFmpegPath) is null)
        {
            yield return $"FFmpeg ('{settings.FFmpegPath}'; Debian package 'ffmpeg')";
        }

        if (ExecutableLocator.Resolve(settings.FFprobePath) is null)
        {
            yield return $"ffprobe ('{settings.FFprobePath}'; Debian package 'ffmpeg')";
        }

        if (settings.Mode != InfrastructureMode.Executable)
        {
            yield break;
        }

        if (!File.Exists(settings.RabbitMQServerPath))
        {
            yield return $"RabbitMQ server ('{settings.RabbitMQServerPath}'; Debian package 'rabbitmq-server')";
        }

        if (settings.MinioPath is null && !S3StandIn.IsInstalled(settings))
        {
            yield return "object storage: neither 'minio' with its client 'mc' on PATH nor the S3 stand-in " +
                $"('npm ci' in {S3StandIn.Directory(settings)}, which needs Node.js)";
        }

        if (settings.Database == DatabaseMode.PostgreSQL)
        {
            foreach (var missing in FindMissingPostgreSQL(settings))
            {
                yield return missing;
            }
        }
    }

    /// <summary>The host's PostgreSQL, and what the AppHost needs to run it as another user when it runs as root.</summary>
    private static IEnumerable<string> FindMissingPostgreSQL(AppHostSettings settings)
    {
        foreach (var program in PostgreSQLPrograms.All.Where(program => !File.Exists(Path.Combine(settings.PostgreSQLBinDirectory, program))))
        {
            yield return $"PostgreSQL's '{program}' in {settings.PostgreSQLBinDirectory} (Debian package '{PostgreSQLPrograms.DebianPackage}', " +
                "or 'postgresql' for another Debian or Ubuntu release's own version; " +
                $"for another installation set {AppHostSettings.SectionName}:PostgreSQLBinDirectory to the directory that holds initdb, postgres and pg_ctl)";
        }

        if (!PostgreSQLServerAccount.ForThisProcess().IsSystemUser)
        {
            yield break;
        }

        // PostgreSQL refuses to run as root: the AppHost, being root, runs it as this user.
        if (!PostgreSQLServerAccount.SystemUserExists)
        {
            yield return $"the '{PostgreSQLServerAccount.SystemUser}' system user, which the server runs as when the AppHost is root " +
                $"(Debian package '{PostgreSQLPrograms.DebianPackage}' creates it)";
        }

        if (!File.Exists(PostgreSQLServerAccount.RunUserPath))
        {
            yield return $"runuser ('{PostgreSQLServerAccount.RunUserPath}'; Debian package 'util-linux'), which starts the server as " +
                $"'{PostgreSQLServerAccount.SystemUser}' when the AppHost is root";
        }
    }
}
