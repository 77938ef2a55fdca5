using System.ComponentModel.DataAnnotations;

namespace VideoConversion.Api.Accounts;

/// <summary>Who may sign in, and how the first administrator comes to be.</summary>
public sealed class AccountOptions
{
    public const string SectionName = "Accounts";

    /// <summary>Anyone may create an account at POST /auth/register. Off: an administrator creates accounts.</summary>
    public bool AllowSelfRegistration { get; set; }

    /// <summary>The administrator created on the first start, when no administrator exists yet.</summary>
    [Required]
    [StringLength(64, MinimumLength = 1)]
    public string AdministratorUserName { get; set; } = "admin";

    /// <summary>Its password (the AppHost generates one and keeps it in its user secrets); without one, no administrator is created.</summary>
    public string? AdministratorPassword { get; set; }

    /// <summary>How long a sign-in (the page's session token) lasts.</summary>
    [Range(typeof(TimeSpan), "00:05:00", "30.00:00:00")]
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(12);
}
