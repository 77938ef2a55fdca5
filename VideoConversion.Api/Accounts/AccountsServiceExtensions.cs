using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using VideoConversion.Api.Data;

namespace VideoConversion.Api.Accounts;

public static class AccountsServiceExtensions
{
    /// <summary>
    /// Accounts (ASP.NET Core Identity, in the API's database), their API keys, and one default
    /// authentication scheme that takes either an API key or a sign-in token as the bearer.
    /// </summary>
    public static IHostApplicationBuilder AddAccounts(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<AccountOptions>()
            .BindConfiguration(AccountOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        // Requests with a key that called lately are authenticated without reading the database.
        services.AddSingleton<ApiKeyCache>();
        services.AddIdentityApiEndpoints<IdentityUser>(identity =>
            {
                identity.User.RequireUniqueEmail = false;
                identity.Lockout.MaxFailedAccessAttempts = 10;
            })
            .AddRoles<IdentityRole>()
            .AddEntityFrameworkStores<JobsDbContext>();
        services.AddOptions<BearerTokenOptions>(IdentityConstants.BearerScheme)
            .Configure<IOptions<AccountOptions>>((bearer, accounts) =>
            {
                bearer.BearerTokenExpiration = accounts.Value.SessionLifetime;
                // /auth/refresh is refused (a refresh would start a new session from a token alone); its tokens live no longer anyway.
                bearer.RefreshTokenExpiration = accounts.Value.SessionLifetime;
            });

        services.AddAuthentication(options =>
            {
                options.DefaultScheme = CredentialSchemes.Credentials;
                options.DefaultChallengeScheme = CredentialSchemes.Credentials;
                options.DefaultForbidScheme = CredentialSchemes.Credentials;
            })
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(CredentialSchemes.ApiKey, _ => { })
            .AddPolicyScheme(CredentialSchemes.Credentials, "API key or sign-in token", policy =>
            {
                // A key is recognised by its prefix; any other bearer is a sign-in token; no header at all is
                // the key scheme's to refuse. Every refusal is answered by the key scheme, as one ProblemDetails.
                policy.ForwardDefaultSelector = context =>
                    ApiKeyAuthenticationHandler.BearerToken(context.Request) is { } token && !ApiKeyToken.LooksLikeKey(token)
                        ? IdentityConstants.BearerScheme
                        : CredentialSchemes.ApiKey;
                policy.ForwardChallenge = CredentialSchemes.ApiKey;
                policy.ForwardForbid = CredentialSchemes.ApiKey;
            });
        services.AddAuthorizationBuilder().AddPersonOnlyPolicy();

        // Sign-in tokens and webhook secrets are protected with Data Protection keys, kept with the jobs so a restart of the
        // API does not sign everyone out or lose the secrets: on PostgreSQL in the database, which every replica shares (a
        // directory per replica would make each refuse the others' tokens); on SQLite in a directory beside the database.
        var dataProtection = services.AddDataProtection().SetApplicationName("VideoConversion.Api");
        if (JobDatabase.From(builder.Configuration).IsPostgreSql)
        {
            dataProtection.PersistKeysToDbContext<JobsDbContext>();
        }
        else if (builder.Configuration["DataProtection:KeysDirectory"] is { Length: > 0 } keys)
        {
            dataProtection.PersistKeysToFileSystem(new DirectoryInfo(keys));
        }

        services.AddScoped<AccountStore>();
        return builder;
    }
}
