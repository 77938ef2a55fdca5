using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace VideoConversion.Tests.Support;

/// <summary>An account the tests made through the API, as an administrator would: its password (for the page) and an API key (for programs).</summary>
public sealed record TestAccount(string UserName, string Password, string ApiKey)
{
    public AuthenticationHeaderValue Authorization => new("Bearer", ApiKey);

    /// <summary>The token POST /auth/login gives for a user name and password.</summary>
    public static async Task<string> SignInAsync(HttpClient api, string userName, string password)
    {
        using var response = await api.PostAsJsonAsync("/auth/login", new { email = userName, password });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"signing in as {userName}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.GetProperty("access_token").GetString()!;
    }

    /// <summary>Creates an account with the administrator's token (POST /users), signs in as it, and makes it a key (POST /keys).</summary>
    public static async Task<TestAccount> CreateAsync(HttpClient api, string administratorToken, string userName)
    {
        using var create = new HttpRequestMessage(HttpMethod.Post, "/users") { Content = JsonContent.Create(new { user_name = userName }) };
        create.Headers.Authorization = new AuthenticationHeaderValue("Bearer", administratorToken);
        using var created = await api.SendAsync(create);
        var account = await created.Content.ReadAsStringAsync();
        Assert.True(created.IsSuccessStatusCode, $"creating {userName}: {(int)created.StatusCode} {account}");
        var password = JsonDocument.Parse(account).RootElement.GetProperty("password").GetString()!;

        using var makeKey = new HttpRequestMessage(HttpMethod.Post, "/keys") { Content = JsonContent.Create(new { name = "tests" }) };
        makeKey.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await SignInAsync(api, userName, password));
        using var made = await api.SendAsync(makeKey);
        var key = await made.Content.ReadAsStringAsync();
        Assert.True(made.IsSuccessStatusCode, $"making a key for {userName}: {(int)made.StatusCode} {key}");
        return new TestAccount(userName, password, JsonDocument.Parse(key).RootElement.GetProperty("key").GetString()!);
    }
}
