using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace VideoConversion.Api.Accounts;

/// <summary>
/// Says in the OpenAPI document how to call the API: "Authorization: Bearer" with an API key (or a
/// sign-in token), so generated clients and the /scalar reference send it.
/// </summary>
internal sealed class BearerSecurityScheme : IOpenApiDocumentTransformer
{
    private const string Name = "Bearer";

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[Name] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "vck_… API key, or a token from POST /auth/login",
            Description = "Make a key on the account page or with scripts/manage keys create NAME --user USER.",
        };
        document.Security ??= [];
        document.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(Name, document)] = [] });
        return Task.CompletedTask;
    }
}
