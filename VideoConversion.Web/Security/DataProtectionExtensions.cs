using Microsoft.AspNetCore.DataProtection;

namespace VideoConversion.Web.Security;

public static class DataProtectionExtensions
{
    public const string KeysDirectorySetting = "DataProtection:KeysDirectory";

    /// <summary>
    /// The keys that protect antiforgery tokens and Blazor circuits. In memory (the default) they are
    /// new on every restart, which breaks every open page; with <c>DataProtection:KeysDirectory</c>
    /// set (the cluster mounts a volume there) they survive restarts and new pods.
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
