using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using VideoConversion.Web.Security;

namespace VideoConversion.UnitTests.Web;

/// <summary>The upload page's keys (antiforgery, circuits) outlive the process when a directory is configured.</summary>
public sealed class PageDataProtectionTests : IDisposable
{
    private readonly DirectoryInfo _keys = Directory.CreateTempSubdirectory("videoconversion-keys-");

    [Fact]
    public void What_one_page_process_protected_the_next_one_reads()
    {
        var token = Protector(_keys.FullName).Protect("antiforgery token");

        Assert.NotEmpty(_keys.GetFiles("key-*.xml"));
        Assert.Equal("antiforgery token", Protector(_keys.FullName).Unprotect(token));
    }

    /// <summary>A fresh service provider: as a new process of the page would build it.</summary>
    private static IDataProtector Protector(string? directory)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { [DataProtectionExtensions.KeysDirectorySetting] = directory })
            .Build();
        var services = new ServiceCollection().AddLogging().AddPageDataProtection(configuration).BuildServiceProvider();
        return services.GetRequiredService<IDataProtectionProvider>().CreateProtector("test");
    }

    public void Dispose() => _keys.Delete(recursive: true);
}
