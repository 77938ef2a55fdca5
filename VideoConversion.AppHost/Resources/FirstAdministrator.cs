using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace VideoConversion.AppHost.Resources;

/// <summary>
/// The administrator the API creates on its first start. Its password is generated once and kept
/// in the AppHost's user secrets with the other credentials, and printed at start beside the
/// dashboard's login URL, as the operator's way in.
/// </summary>
internal static partial class FirstAdministrator
{
    public const string UserName = "admin";

    public static IResourceBuilder<ProjectResource> WithFirstAdministrator(
        this IResourceBuilder<ProjectResource> api, IDistributedApplicationBuilder builder, AppHostSettings settings)
    {
        // Identity's default rules: a digit, an upper- and a lower-case letter and a symbol.
        var password = builder.AddParameter("admin-password",
            new GenerateParameterDefault { MinLength = 20, MinLower = 2, MinUpper = 2, MinNumeric = 2, MinSpecial = 1 },
            secret: true, persist: true);
        api.WithEnvironment("Accounts__AdministratorUserName", UserName)
            .WithEnvironment("Accounts__AdministratorPassword", password);

        if (!settings.IsPublishMode)
        {
            builder.Eventing.Subscribe<AfterResourcesCreatedEvent>(async (created, cancellationToken) =>
            {
                var value = await password.Resource.GetValueAsync(cancellationToken);
                var logger = created.Services.GetRequiredService<ILoggerFactory>().CreateLogger("VideoConversion");
                LogSignIn(logger, UserName, value);
            });
        }

        return api;
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Sign in to the upload page as '{UserName}' with the password {Password} (kept in the AppHost's user secrets)")]
    private static partial void LogSignIn(ILogger logger, string userName, string? password);
}
