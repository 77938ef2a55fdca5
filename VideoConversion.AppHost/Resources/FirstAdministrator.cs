namespace VideoConversion.AppHost.Resources;

/// <summary>
/// The administrator the API creates on its first start. Its password is generated once and kept
/// in the AppHost's user secrets with the other credentials, and printed at start beside the
/// dashboard's login URL, as the operator's way in.
/// </summary>
internal static class FirstAdministrator
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
                // To the operator's console only, like the dashboard's login URL: never to a log sink or telemetry.
                await Console.Out.WriteLineAsync(
                    $"Sign in to the upload page as '{UserName}' with the password {value} (kept in the AppHost's user secrets; " +
                    "the API uses it only to create this administrator when none exists).");
            });
        }

        return api;
    }
}
