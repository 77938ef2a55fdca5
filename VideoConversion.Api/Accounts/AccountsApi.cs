using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using VideoConversion.Api.Data;
using VideoConversion.Api.RateLimits;

namespace VideoConversion.Api.Accounts;

public static class AccountsApi
{
    private const int NameLength = 100;

    public static IEndpointRouteBuilder MapAccountsApi(this IEndpointRouteBuilder app)
    {
        // Sign-in for people (the page holds the session): POST /auth/login returns a bearer token.
        // Self-registration is refused unless Accounts:AllowSelfRegistration is on.
        app.MapGroup("/auth").WithTags("Sign-in")
            .AddEndpointFilter(RefuseRegistrationUnlessAllowed)
            .AddEndpointFilter(SignInThrottle.FilterAsync)
            .MapIdentityApi<IdentityUser>();

        var account = app.MapGroup("/account").WithTags("Account").RequireAuthorization().RequireRateLimiting(RateLimitServiceExtensions.PerCaller);
        account.MapGet("/", GetAccount).WithName(nameof(GetAccount)).WithSummary("Who the credentials belong to");

        var keys = app.MapGroup("/keys").WithTags("API keys").RequireAuthorization().RequireRateLimiting(RateLimitServiceExtensions.PerCaller);
        keys.MapPost("/", CreateKey).WithName(nameof(CreateKey)).RequireAuthorization(PersonOnly.Policy)
            .WithSummary("Create an API key for the calling account")
            .WithDescription("The key is in this answer only; the service keeps a hash of it.");
        keys.MapGet("/", ListKeys).WithName(nameof(ListKeys)).WithSummary("The calling account's API keys, without their secrets");
        keys.MapDelete("/{keyId}", RevokeKey).WithName(nameof(RevokeKey)).RequireAuthorization(PersonOnly.Policy)
            .WithSummary("Revoke an API key: from now on it answers 401. Revoking twice is harmless.");

        var users = app.MapGroup("/users").WithTags("Accounts").RequireAuthorization(PersonOnly.Policy).RequireAuthorization(policy => policy.RequireRole(Roles.Administrator))
            .RequireRateLimiting(RateLimitServiceExtensions.PerCaller);
        users.MapPost("/", CreateUser).WithName(nameof(CreateUser))
            .WithSummary("Create an account (administrators only)")
            .WithDescription("Without a password one is generated and returned once.");
        return app;
    }

    public static async Task<Ok<AccountResponse>> GetAccount(ClaimsPrincipal caller, UserManager<IdentityUser> users)
    {
        var user = await users.FindByIdAsync(caller.AccountId());
        return TypedResults.Ok(new AccountResponse(user?.UserName ?? caller.Identity?.Name ?? "", caller.IsAdministrator()));
    }

    public static async Task<Results<Created<CreatedKeyResponse>, ProblemHttpResult>> CreateKey(
        CreateKeyRequest? request, ClaimsPrincipal caller, AccountStore store, CancellationToken cancellationToken)
    {
        var name = request?.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > NameLength)
        {
            return AccountProblems.InvalidField("name", $"Give the key a name of 1 to {NameLength} characters, saying what uses it.");
        }

        var (key, token) = await store.CreateKeyAsync(caller.AccountId(), name, cancellationToken);
        return TypedResults.Created($"/keys/{key.Id}", new CreatedKeyResponse(key.Id, key.Name, token, key.CreatedAt));
    }

    public static async Task<Ok<KeyList>> ListKeys(ClaimsPrincipal caller, JobsDbContext db, CancellationToken cancellationToken)
    {
        var owner = caller.AccountId();
        var keys = await db.ApiKeys.AsNoTracking().Where(key => key.UserId == owner).ToListAsync(cancellationToken);
        return TypedResults.Ok(new KeyList(keys
            .OrderByDescending(key => key.CreatedAt)
            .Select(key => new KeyResponse(key.Id, key.Name, key.CreatedAt, key.RevokedAt))
            .ToList()));
    }

    public static async Task<Results<NoContent, ProblemHttpResult>> RevokeKey(
        string keyId, ClaimsPrincipal caller, JobsDbContext db, ApiKeyCache keys, TimeProvider time, CancellationToken cancellationToken)
    {
        var owner = caller.AccountId();
        // Another account's key answers exactly like an unknown one.
        var key = await db.ApiKeys.SingleOrDefaultAsync(k => k.Id == keyId && k.UserId == owner, cancellationToken);
        if (key is null)
        {
            return AccountProblems.UnknownKey(keyId);
        }

        key.Revoke(time.GetUtcNow());
        await db.SaveChangesAsync(cancellationToken);
        keys.Revoked(key.Id); // committed: from the next request on it answers 401
        return TypedResults.NoContent();
    }

    public static async Task<Results<Created<CreatedUserResponse>, ProblemHttpResult>> CreateUser(
        CreateUserRequest? request, AccountStore store)
    {
        var userName = request?.UserName?.Trim();
        if (string.IsNullOrEmpty(userName))
        {
            return AccountProblems.InvalidField("user_name", "Give the account a user name.");
        }

        var (user, password, errors) = await store.CreateUserAsync(userName, request!.Password, request.Administrator);
        if (user is null)
        {
            return AccountProblems.AccountRefused(userName, errors);
        }

        return TypedResults.Created((string?)null,
            new CreatedUserResponse(userName, request.Administrator, request.Password is null ? password : null));
    }

    private static async ValueTask<object?> RefuseRegistrationUnlessAllowed(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (http.Request.Path.StartsWithSegments("/auth/register", StringComparison.OrdinalIgnoreCase) &&
            !http.RequestServices.GetRequiredService<IOptions<AccountOptions>>().Value.AllowSelfRegistration)
        {
            return AccountProblems.RegistrationClosed();
        }

        // A sign-in lasts its session and no longer: a refresh would start a new one from a token alone.
        if (http.Request.Path.StartsWithSegments("/auth/refresh", StringComparison.OrdinalIgnoreCase))
        {
            return AccountProblems.SignInAgain();
        }

        // Identity's /auth/manage/* change the account itself (two-factor, e-mail): a person's, never a key's.
        if (http.Request.Path.StartsWithSegments("/auth/manage", StringComparison.OrdinalIgnoreCase) &&
            http.User.HasClaim(claim => claim.Type == CallerClaims.ApiKeyId))
        {
            return AccountProblems.PersonOnly();
        }

        return await next(context);
    }
}
