using Microsoft.AspNetCore.Components;
using VideoConversion.Web.Accounts;
using VideoConversion.Web.Jobs;

namespace VideoConversion.Web.Components.Pages;

/// <summary>The signed-in person's API keys (create, revoke) and, for administrators, new accounts.</summary>
public sealed partial class Account : IDisposable
{
    private readonly CancellationTokenSource _closing = new();
    private AccountSummary? _account;
    private IReadOnlyList<KeySummary>? _keys;
    private CreatedKey? _createdKey;
    private CreatedAccount? _createdAccount;
    private string? _newKeyName;
    private string? _newUserName;
    private bool _newUserIsAdministrator;
    private string? _error;

    /// <summary>The key or endpoint whose removal waits for the person to confirm it.</summary>
    private string? _confirming;

    /// <summary>The forms take input once the page is live (its circuit connected), not in the prerendered copy.</summary>
    private bool _interactive;
    private IReadOnlyList<WebhookSummary>? _webhooks;
    private CreatedWebhook? _createdWebhook;
    private string? _newWebhookUrl;

    /// <summary>"" for every job of the account, or a key's id.</summary>
    private string _newWebhookKey = "";

    /// <summary>The endpoint whose recent deliveries are shown, and them.</summary>
    private (string EndpointId, IReadOnlyList<WebhookDeliverySummary> Deliveries)? _deliveries;

    [Inject]
    public required AccountClient Accounts { get; init; }

    [Inject]
    public required NavigationManager Navigation { get; init; }

    protected override Task OnInitializedAsync() => RunAsync(async () =>
    {
        _account = await Accounts.GetAccountAsync(_closing.Token);
        _keys = await Accounts.GetKeysAsync(_closing.Token);
        _webhooks = await Accounts.GetWebhooksAsync(_closing.Token);
    });

    protected override void OnAfterRender(bool firstRender)
    {
        if (firstRender)
        {
            _interactive = true;
            StateHasChanged();
        }
    }

    private Task CreateWebhookAsync() => RunAsync(async () =>
    {
        _createdWebhook = await Accounts.CreateWebhookAsync(
            _newWebhookUrl!.Trim(), string.IsNullOrEmpty(_newWebhookKey) ? null : _newWebhookKey, _closing.Token);
        _newWebhookUrl = null;
        _webhooks = await Accounts.GetWebhooksAsync(_closing.Token);
    });

    private Task DeleteWebhookAsync(WebhookSummary webhook) => RunAsync(async () =>
    {
        _confirming = null;
        await Accounts.DeleteWebhookAsync(webhook.Id, _closing.Token);
        if (_deliveries?.EndpointId == webhook.Id)
        {
            _deliveries = null;
        }

        _webhooks = await Accounts.GetWebhooksAsync(_closing.Token);
    });

    private Task ShowDeliveriesAsync(WebhookSummary webhook) => RunAsync(async () =>
        _deliveries = (webhook.Id, await Accounts.GetDeliveriesAsync(webhook.Id, _closing.Token)));

    private string KeyName(string? keyId) =>
        keyId is null ? "every job" : _keys?.FirstOrDefault(key => key.Id == keyId)?.Name is { } name ? $"jobs of key {name}" : "jobs of a removed key";

    private Task CreateKeyAsync() => RunAsync(async () =>
    {
        _createdKey = await Accounts.CreateKeyAsync(_newKeyName!.Trim(), _closing.Token);
        _newKeyName = null;
        _keys = await Accounts.GetKeysAsync(_closing.Token);
    });

    private Task RevokeKeyAsync(KeySummary key) => RunAsync(async () =>
    {
        _confirming = null;
        await Accounts.RevokeKeyAsync(key.Id, _closing.Token);
        _keys = await Accounts.GetKeysAsync(_closing.Token);
    });

    private Task CreateUserAsync() => RunAsync(async () =>
    {
        _createdAccount = await Accounts.CreateUserAsync(_newUserName!.Trim(), _newUserIsAdministrator, _closing.Token);
        _newUserName = null;
        _newUserIsAdministrator = false;
    });

    /// <summary>Runs a call to the API, showing its refusal (written for people) or sending an expired session to sign in.</summary>
    private async Task RunAsync(Func<Task> call)
    {
        try
        {
            _error = null;
            await call();
        }
        catch (SignInRequiredException)
        {
            Navigation.NavigateTo("/signin?ReturnUrl=%2Faccount", forceLoad: true);
        }
        catch (JobsApiException exception)
        {
            _error = exception.Message;
        }
    }

    public void Dispose()
    {
        _closing.Cancel();
        _closing.Dispose();
    }
}
