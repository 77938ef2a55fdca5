using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using VideoConversion.Processes;
using VideoConversion.Tests.Support;

namespace VideoConversion.Tests.Integration;

/// <summary>
/// Who may do what, against the running system: every job endpoint wants credentials, each account
/// sees only its own jobs, keys can be revoked, and operators make accounts and keys with scripts/manage.
/// </summary>
[Collection(WholeSystem.Name)]
public class AccountsTests(SystemFixture system)
{
    private const string Problem = "application/problem+json";

    public static TheoryData<string, string> JobEndpoints => new()
    {
        { "POST", "/upload/request" },
        { "GET", "/upload/limits" },
        { "POST", "/jobs" },
        { "GET", "/jobs" },
        { "GET", "/jobs/0123456789abcdef0123456789abcdef" },
        { "GET", "/keys" },
        { "POST", "/keys" },
        { "GET", "/account" },
        { "DELETE", "/keys/0123456789abcdef" },
        { "POST", "/users" },
        { "GET", "/auth/manage/info" },
    };

    [Theory]
    [MemberData(nameof(JobEndpoints))]
    public async Task Every_endpoint_without_credentials_answers_401_naming_the_problem(string method, string path)
    {
        using var anonymous = Caller();
        using var response = await anonymous.SendAsync(new HttpRequestMessage(new HttpMethod(method), path)
        {
            Content = method == "POST" ? JsonContent.Create(new { }) : null,
        });

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(Problem, response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Missing or invalid credentials", problem.GetProperty("title").GetString());
        Assert.Contains("Authorization: Bearer", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
    }

    [Theory]
    [InlineData("vck_0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "not one this service issued")]
    [InlineData("vck_nonsense", "not one this service issued")]
    [InlineData("a-forged-sign-in-token", "Sign in again")]
    public async Task A_wrong_credential_answers_401_and_says_why(string credential, string reason)
    {
        using var caller = Caller(credential);
        using var response = await caller.GetAsync("/jobs");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains(reason, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task One_account_cannot_see_submit_or_download_anothers_job_which_answers_like_an_unknown_one()
    {
        var input = Path.Combine(Path.GetTempPath(), $"owned-{Guid.NewGuid():N}.avi");
        File.Move(await TestMedia.MjpegAviAsync(Path.GetTempPath(), seconds: 1), input);
        var jobId = await system.Api.StartJobAsync(input);
        File.Delete(input);
        using var other = Caller(system.OtherAccount.ApiKey);
        using var unknown = Caller(system.OtherAccount.ApiKey);

        using var read = await other.GetAsync($"/jobs/{jobId}");
        using var submit = await other.PostAsJsonAsync("/jobs", new { job_id = jobId });
        using var readUnknown = await unknown.GetAsync("/jobs/fedcba9876543210fedcba9876543210");
        var list = await other.GetFromJsonAsync<JsonElement>("/jobs?page_size=100");

        Assert.Equal(HttpStatusCode.NotFound, read.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, submit.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, readUnknown.StatusCode);
        // The same answer as for an id nobody has: it does not even say the job exists.
        var foreignTitle = (await read.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString();
        Assert.Equal("Unknown job", foreignTitle);
        Assert.Equal((await readUnknown.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString(), foreignTitle);
        Assert.Equal("Unknown job", (await submit.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString());
        Assert.DoesNotContain(list.GetProperty("items").EnumerateArray(), job => job.GetProperty("job_id").GetString() == jobId);
        // Its owner, and an administrator, see it, download link and all.
        var owned = await system.Api.GetJobAsync(jobId);
        Assert.Equal(jobId, owned.GetProperty("job_id").GetString());
        using var administrator = Caller(await TestAccount.SignInAsync(system.Api, "admin", system.AdministratorPassword));
        using var seenByAdministrator = await administrator.GetAsync($"/jobs/{jobId}");
        Assert.Equal(HttpStatusCode.OK, seenByAdministrator.StatusCode);
    }

    [Fact]
    public async Task A_revoked_key_answers_401_and_revoking_again_is_harmless()
    {
        using var owner = Caller(await TestAccount.SignInAsync(system.Api, system.Account.UserName, system.Account.Password));
        using var created = await owner.PostAsJsonAsync("/keys", new { name = "short-lived" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var key = await created.Content.ReadFromJsonAsync<JsonElement>();
        using var withKey = Caller(key.GetProperty("key").GetString()!);
        using (var before = await withKey.GetAsync("/jobs"))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        var keyId = key.GetProperty("id").GetString();
        using (var revoked = await owner.DeleteAsync($"/keys/{keyId}"))
        using (var again = await owner.DeleteAsync($"/keys/{keyId}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, revoked.StatusCode);
            Assert.Equal(HttpStatusCode.NoContent, again.StatusCode);
        }

        using var after = await withKey.GetAsync("/jobs");
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
        Assert.Contains("revoked", (await after.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        // The list shows it revoked, and never a secret.
        var keys = await owner.GetStringAsync("/keys");
        Assert.DoesNotContain(key.GetProperty("key").GetString()!, keys, StringComparison.Ordinal);
        Assert.Contains("revoked_at", keys, StringComparison.Ordinal);
        // Another account cannot revoke it: not found, as if it did not exist.
        using var stranger = Caller(await TestAccount.SignInAsync(system.Api, system.OtherAccount.UserName, system.OtherAccount.Password));
        using var foreign = await stranger.DeleteAsync($"/keys/{keyId}");
        Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
    }

    [Fact]
    public async Task Only_an_administrator_creates_accounts_and_nobody_registers_themselves()
    {
        using var user = Caller(system.Account.ApiKey);
        using var refused = await user.PostAsJsonAsync("/users", new { user_name = $"sneaky-{Guid.NewGuid():N}" });
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("Not allowed", (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString());

        using var anonymous = Caller();
        using var register = await anonymous.PostAsJsonAsync("/auth/register", new { email = "someone@example.invalid", password = "Passw0rd!long" });
        Assert.Equal(HttpStatusCode.Forbidden, register.StatusCode);
        Assert.Equal("Registration is closed", (await register.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString());
    }

    [Theory]
    [InlineData("POST", "/keys")]
    [InlineData("DELETE", "/keys/0123456789abcdef")]
    [InlineData("POST", "/users")]
    [InlineData("GET", "/auth/manage/info")]
    public async Task An_api_key_cannot_manage_credentials_so_revoking_a_leaked_one_cuts_it_off(string method, string path)
    {
        using var withKey = Caller(system.Account.ApiKey);
        using var response = await withKey.SendAsync(new HttpRequestMessage(new HttpMethod(method), path)
        {
            Content = method == "POST" ? JsonContent.Create(new { name = "minted-by-a-key", user_name = "made-by-a-key" }) : null,
        });

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Not allowed", problem.GetProperty("title").GetString());
        Assert.Contains("API key cannot", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sign_ins_past_the_limit_for_one_account_are_answered_429_with_retry_after_and_others_go_on()
    {
        using var anonymous = Caller();
        var name = $"guessed-{Guid.NewGuid():N}";
        List<HttpStatusCode> statuses = [];
        HttpResponseMessage? last = null;
        for (var attempt = 0; attempt <= SystemFixture.SignInsPerMinute; attempt++)
        {
            last?.Dispose();
            last = await anonymous.PostAsJsonAsync("/auth/login", new { email = name, password = $"guess-{attempt}" });
            statuses.Add(last.StatusCode);
        }

        using (last)
        {
            Assert.All(statuses[..SystemFixture.SignInsPerMinute], status => Assert.Equal(HttpStatusCode.Unauthorized, status));
            Assert.Equal(HttpStatusCode.TooManyRequests, statuses[SystemFixture.SignInsPerMinute]);
            Assert.True(last!.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1), $"Retry-After {last.Headers.RetryAfter}");
            Assert.Equal("Too many sign-in attempts", (await last.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString());
        }

        // The same address signing in to another account is not held back.
        Assert.False(string.IsNullOrEmpty(await TestAccount.SignInAsync(system.Api, system.Account.UserName, system.Account.Password)));
    }

    [Fact]
    public async Task Scripts_manage_creates_an_account_and_a_key_that_work_while_the_system_runs()
    {
        var name = $"carol-{Guid.NewGuid():N}"[..20];
        var password = LastLine(await ManageAsync("users", "create", name));
        var key = LastLine(await ManageAsync("keys", "create", "nightly", "--user", name));

        Assert.StartsWith("vck_", key, StringComparison.Ordinal);
        var token = await TestAccount.SignInAsync(system.Api, name, password);
        Assert.False(string.IsNullOrEmpty(token));
        using var withKey = Caller(key);
        using var upload = await withKey.PostAsJsonAsync("/upload/request", new { filename = "from-a-script.mp4" });
        Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
        var account = await withKey.GetFromJsonAsync<JsonElement>("/account");
        Assert.Equal(name, account.GetProperty("user_name").GetString());
    }

    private async Task<string> ManageAsync(params string[] arguments)
    {
        var result = await ProcessRunner.RunAsync(
            "bash", [Path.Combine(RepositoryPaths.Root, "scripts", "manage"), .. arguments], RepositoryPaths.Root, TimeSpan.FromMinutes(3), null,
            CancellationToken.None, inheritEnvironment: true,
            environment: await system.DatabaseEnvironmentAsync(),
            standardErrorLimit: int.MaxValue);
        Assert.True(result.ExitCode == 0, $"scripts/manage {string.Join(' ', arguments)}: {result.StandardOutput}{result.StandardErrorTail}");
        return result.StandardOutput;
    }

    private static string LastLine(string output) => output.TrimEnd('\n').Split('\n')[^1].Trim();

    private HttpClient Caller(string? bearer = null) => system.ApiClient(bearer);
}
