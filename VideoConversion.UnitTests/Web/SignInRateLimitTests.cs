using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using VideoConversion.Web.Accounts;

namespace VideoConversion.UnitTests.Web;

/// <summary>
/// The page's sign-in form, limited per browser address: the real page on Kestrel, posted to with its
/// antiforgery token as a browser does. Browsers at different addresses are told apart as a trusted
/// proxy in front of the page tells them (X-Forwarded-For from ForwardedHeaders:TrustedNetworks), and a
/// client that is no such proxy cannot pick its address that way.
/// </summary>
public sealed partial class SignInRateLimitTests
{
    private const int Limit = 3;

    [Fact]
    public async Task One_browser_address_is_refused_with_429_and_Retry_After_past_the_limit_while_others_sign_in()
    {
        await using var page = StartPage(trustedNetworks: "127.0.0.1/32");
        using var browser = Browser(page);
        for (var attempt = 1; attempt <= Limit; attempt++)
        {
            using var allowed = await SignInAsync(browser, "203.0.113.1");
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
            Assert.Contains("cannot be reached", await allowed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        using var refused = await SignInAsync(browser, "203.0.113.1");
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        var retryAfter = refused.Headers.RetryAfter?.Delta;
        Assert.NotNull(retryAfter);
        Assert.InRange(retryAfter.Value, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1));
        var text = await refused.Content.ReadAsStringAsync();
        Assert.Contains("Too many sign-in attempts", text, StringComparison.Ordinal);
        Assert.Contains("href=\"/signin?ReturnUrl=%2Faccount\"", text, StringComparison.Ordinal);
        Assert.DoesNotContain("someone", text, StringComparison.Ordinal); // the attempt's user name is not echoed

        // Showing the form again is not an attempt; another address has a count of its own.
        using var form = await browser.GetAsync(new Uri("/signin", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, form.StatusCode);
        using var elsewhere = await SignInAsync(browser, "203.0.113.2");
        Assert.Equal(HttpStatusCode.OK, elsewhere.StatusCode);

        // The refusal is counted where Prometheus reads the page (here on loopback: Development, no management port).
        var metrics = await browser.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Contains(metrics.Split('\n'), line => line.StartsWith("videoconversion_rate_limit_rejections_total{", StringComparison.Ordinal)
            && line.Contains($"videoconversion_rate_limit_policy=\"{SignInRateLimit.Policy}\"", StringComparison.Ordinal)
            && line.EndsWith(" 1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_ipv6_browser_is_counted_by_its_64_bit_block()
    {
        await using var page = StartPage(trustedNetworks: "127.0.0.1/32");
        using var browser = Browser(page);
        for (var attempt = 1; attempt <= Limit; attempt++)
        {
            using var allowed = await SignInAsync(browser, $"2001:db8:7:7::{attempt}");
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        }

        using var refused = await SignInAsync(browser, "2001:db8:7:7:ffff::1");
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        using var otherBlock = await SignInAsync(browser, "2001:db8:7:8::1");
        Assert.Equal(HttpStatusCode.OK, otherBlock.StatusCode);
    }

    [Fact]
    public async Task A_client_that_is_no_trusted_proxy_cannot_choose_its_address_with_a_header()
    {
        await using var page = StartPage(trustedNetworks: null);
        using var browser = Browser(page);
        for (var attempt = 1; attempt <= Limit; attempt++)
        {
            using var allowed = await SignInAsync(browser, $"198.51.100.{attempt}");
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        }

        using var refused = await SignInAsync(browser, "198.51.100.99");
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
    }

    private static WebApplicationFactory<SignInClient> StartPage(string? trustedNetworks)
    {
        var page = new WebApplicationFactory<SignInClient>().WithWebHostBuilder(host =>
        {
            host.UseEnvironment("Development");
            host.UseSetting("RateLimits:SignInsPerAddressPerMinute", Limit.ToString(System.Globalization.CultureInfo.InvariantCulture));
            host.UseSetting("ForwardedHeaders:TrustedNetworks", trustedNetworks);
            // An API that refuses connections at once: each attempt is a real sign-in that fails fast.
            host.UseSetting("services:api:http:0", "http://127.0.0.1:1");
        });
        page.UseKestrel(0);
        page.StartServer();
        return page;
    }

    private static HttpClient Browser(WebApplicationFactory<SignInClient> page)
    {
        var address = page.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        var handler = new HttpClientHandler { CookieContainer = new CookieContainer(), UseCookies = true };
        return new HttpClient(handler) { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>Loads the form (its antiforgery token and cookie) and posts a sign-in, as the browser at <paramref name="address"/> does through a proxy.</summary>
    private static async Task<HttpResponseMessage> SignInAsync(HttpClient browser, string address)
    {
        var form = await browser.GetStringAsync(new Uri("/signin?ReturnUrl=%2Faccount", UriKind.Relative));
        var token = AntiforgeryToken().Match(form);
        Assert.True(token.Success, "the sign-in form carries no antiforgery token");
        using var post = new HttpRequestMessage(HttpMethod.Post, new Uri("/signin?ReturnUrl=%2Faccount", UriKind.Relative))
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["_handler"] = "signin",
                ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token.Groups["value"].Value),
                ["Input.UserName"] = "someone",
                ["Input.Password"] = "not-the-password",
            }),
        };
        post.Headers.Add("X-Forwarded-For", address);
        return await browser.SendAsync(post);
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"(?<value>[^\"]+)\"")]
    private static partial Regex AntiforgeryToken();
}
