namespace VideoConversion.AppHost.Resources;

/// <summary>
/// The role the API connects as on the host-run server, and the statements that make it. It owns the job database (so
/// its migrations can create and change tables there) and may do nothing else: no superuser, no new databases or roles.
/// The superuser initdb makes has no password at all, so nobody signs in as it over the network.
/// </summary>
internal static class PostgreSQLApplicationRole
{
    public const string Name = "videoconversion";

    public const string Database = "jobs";

    /// <summary>The cluster's superuser, used only by the single-user set-up on the data directory itself.</summary>
    public const string Superuser = "postgres";

    /// <summary>For a new cluster: the role, its database, and its password.</summary>
    public static string Create(string password) =>
        Statements(
            $"CREATE ROLE {Name} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS",
            $"CREATE DATABASE {Database} OWNER {Name}",
            SetPasswordStatement(password));

    /// <summary>
    /// For an existing cluster, at every start: the password the AppHost holds now wins, as the broker's definitions do
    /// at its every boot. Regenerated user secrets, or a data directory copied from another machine, then still work.
    /// </summary>
    public static string SetPassword(string password) => Statements(SetPasswordStatement(password));

    private static string SetPasswordStatement(string password)
    {
        // Single-user mode ends a statement at a line's end; generated passwords are letters and digits anyway.
        if (password.Length == 0 || password.Contains('\n', StringComparison.Ordinal) || password.Contains('\r', StringComparison.Ordinal))
        {
            throw new InvalidOperationException("The PostgreSQL password must be one line, and not empty.");
        }

        // The server hashes it (SCRAM-SHA-256, PostgreSQL's default) before it stores it.
        return $"ALTER ROLE {Name} PASSWORD '{password.Replace("'", "''", StringComparison.Ordinal)}'";
    }

    private static string Statements(params string[] statements) => string.Join('\n', statements) + "\n";
}
