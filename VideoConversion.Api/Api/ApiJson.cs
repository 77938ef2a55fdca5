using System.Text.Json;
using System.Text.Json.Serialization;

namespace VideoConversion.Api.Api;

internal static class ApiJson
{
    /// <summary>snake_case fields and UPPER_SNAKE statuses, as the seed guide's clients expect.</summary>
    public static IServiceCollection AddApiJson(this IServiceCollection services) =>
        services.ConfigureHttpJsonOptions(options =>
        {
            options.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            options.SerializerOptions.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseUpper));
        });

    /// <summary>A status as clients read it (PROCESSING, AWAITING_UPLOAD), for messages that name it.</summary>
    public static string StatusName(Jobs.JobStatus status) => JsonNamingPolicy.SnakeCaseUpper.ConvertName(status.ToString());
}
