using Microsoft.Playwright;

namespace VideoConversion.Tests.Support;

/// <summary>The system's Chromium, headless, driven by Playwright: the upload page as people use it.</summary>
public sealed class PageBrowser : IAsyncDisposable
{
    private static readonly string BrowserPath = Environment.GetEnvironmentVariable("VIDEOCONVERSION_BROWSER") ?? "/usr/bin/chromium";

    private readonly IPlaywright _playwright;

    private PageBrowser(IPlaywright playwright, IBrowser browser)
    {
        _playwright = playwright;
        Browser = browser;
    }

    public IBrowser Browser { get; }

    public static async Task<PageBrowser> LaunchAsync()
    {
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = BrowserPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
        return new PageBrowser(playwright, browser);
    }

    /// <summary>Opens the page signed in as <paramref name="account"/>, through the sign-in form, once its file picker works.</summary>
    public async Task<IPage> OpenSignedInAsync(Uri webAddress, TestAccount account, int width = 1100, int height = 900)
    {
        var page = await Browser.NewPageAsync(new() { ViewportSize = new() { Width = width, Height = height } });
        await page.GotoAsync(webAddress.ToString());
        await page.FillAsync("#user-name", account.UserName);
        await page.FillAsync("#password", account.Password);
        await page.ClickAsync("form.signin-form button[type=submit]");
        // The picker is enabled once the page is interactive and the upload script is attached.
        await page.Locator("#file-input:enabled").WaitForAsync(new() { Timeout = 30_000 });
        return page;
    }

    public async ValueTask DisposeAsync()
    {
        await Browser.DisposeAsync();
        _playwright.Dispose();
    }
}
