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

    [Inject]
    public required AccountClient Accounts { get; init; }

    [Inject]
    public required NavigationManager Navigation { get; init; }

    protected override Task OnInitializedAsync() => RunAsync(async () =>
    {
        _account = await Accounts.GetAccountAsync(_closing.Token);
        _keys = await Accounts.GetKeysAsync(_closing.Token);
    });

    private Task CreateKeyAsync() => RunAsync(async () =>
    {
        _createdKey = await Accounts.CreateKeyAsync(_newKeyName!.Trim(), _closing.Token);
        _newKeyName = null;
        _keys = await Accounts.GetKeysAsync(_closing.Token);
    });

    private Task RevokeKeyAsync(KeySummary key) => RunAsync(async () =>
    {
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
