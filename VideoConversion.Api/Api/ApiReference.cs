using Scalar.AspNetCore;

namespace VideoConversion.Api.Api;

internal static class ApiReference
{
    /// <summary>The OpenAPI document at /openapi/v1.json and a browsable reference at /scalar.</summary>
    public static WebApplication MapApiReference(this WebApplication app)
    {
        app.MapOpenApi();
        app.MapScalarApiReference(options => options.WithTitle("VideoConversion API"));
        app.MapGet("/", () => TypedResults.Redirect("/scalar")).ExcludeFromDescription();
        return app;
    }
}
