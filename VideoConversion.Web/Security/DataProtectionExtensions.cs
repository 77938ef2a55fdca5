using Microsoft.AspNetCore.DataProtection;

namespace VideoConversion.Web.Security;

public static class DataProtectionExtensions
{
    public const string KeysDirectorySetting = "DataProtection:KeysDirectory";

    /// <summary>
    /// The keys that protect antiforgery tokens and protected browser state. In memory (the default)
    /// they are new on every restart, so a form loaded before a deploy fails after it; with
    /// <c>DataProtection:KeysDirectory</c> set (the cluster mounts a volume there) they survive
    /// restarts and new pods. (Blazor Server circuits themselves live in memory either way.)
    /// </summary>
    public static IServiceCollection AddPageDataProtection(this IServiceCollection services, IConfiguration configuration)
    {
        var protection = services.AddDataProtection().SetApplicationName("VideoConversion.Web");
        if (configuration[KeysDirectorySetting] is { Length: > 0 } directory)
        {
            protection.PersistKeysToFileSystem(new DirectoryInfo(directory));
        }

        return services;
    }
}
