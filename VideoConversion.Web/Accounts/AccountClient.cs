using VideoConversion.Web.Api;
using VideoConversion.Web.Jobs;

namespace VideoConversion.Web.Accounts;

/// <summary>The account page's calls: who is signed in, their API keys, and (administrators) new accounts.</summary>
public sealed class AccountClient(HttpClient http, ApiCredentials credentials) : SignedInApiClient(http, credentials)
{
    /// <exception cref="JobsApiException">The API refused or is unavailable.</exception>
    public async Task<AccountSummary> GetAccountAsync(CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Get, "/account", null, cancellationToken);
        return await ReadAsync<AccountSummary>(response, cancellationToken);
    }

    public async Task<IReadOnlyList<KeySummary>> GetKeysAsync(CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Get, "/keys", null, cancellationToken);
        return (await ReadAsync<ItemList<KeySummary>>(response, cancellationToken)).Items;
    }

    /// <returns>The new key with its secret, which the API shows this once.</returns>
    public async Task<CreatedKey> CreateKeyAsync(string name, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Post, "/keys", new { name }, cancellationToken);
        return await ReadAsync<CreatedKey>(response, cancellationToken);
    }

    public async Task RevokeKeyAsync(string keyId, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Delete, $"/keys/{Uri.EscapeDataString(keyId)}", null, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            await ReadAsync<object>(response, cancellationToken); // throws with the API's reason
        }
    }

    /// <returns>The account, with the password the API generated for it (shown this once).</returns>
    public async Task<CreatedAccount> CreateUserAsync(string userName, bool administrator, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Post, "/users", new { user_name = userName, administrator }, cancellationToken);
        return await ReadAsync<CreatedAccount>(response, cancellationToken);
    }

    public async Task<IReadOnlyList<WebhookSummary>> GetWebhooksAsync(CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Get, "/webhooks", null, cancellationToken);
        return (await ReadAsync<ItemList<WebhookSummary>>(response, cancellationToken)).Items;
    }

    /// <param name="apiKeyId">Only the jobs this key makes; null for every job of the account.</param>
    /// <returns>The endpoint with its signing secret, which the API shows this once.</returns>
    public async Task<CreatedWebhook> CreateWebhookAsync(string url, string? apiKeyId, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Post, "/webhooks", new { url, api_key_id = apiKeyId }, cancellationToken);
        return await ReadAsync<CreatedWebhook>(response, cancellationToken);
    }

    public async Task DeleteWebhookAsync(string endpointId, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Delete, $"/webhooks/{Uri.EscapeDataString(endpointId)}", null, cancellationToken);
        await EnsureSucceededAsync(response, cancellationToken);
    }

    public async Task<IReadOnlyList<WebhookDeliverySummary>> GetDeliveriesAsync(string endpointId, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Get, $"/webhooks/{Uri.EscapeDataString(endpointId)}/deliveries", null, cancellationToken);
        return (await ReadAsync<ItemList<WebhookDeliverySummary>>(response, cancellationToken)).Items;
    }

    /// <summary>The API's lists: <c>{"items": [...]}</c>.</summary>
    private sealed record ItemList<T>(IReadOnlyList<T> Items);
}
