namespace VideoConversion.Api.Accounts;

public static class Roles
{
    /// <summary>Sees every job, and creates accounts.</summary>
    public const string Administrator = "administrator";
}
