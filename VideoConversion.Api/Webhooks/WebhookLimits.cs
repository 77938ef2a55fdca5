namespace VideoConversion.Api.Webhooks;

/// <summary>The bounds of what webhooks store.</summary>
public static class WebhookLimits
{
    public const int UrlLength = 2048;
    public const int IdLength = 40;
    public const int ErrorLength = 500;

    /// <summary>Unguessable, like job ids.</summary>
    public static string NewId() => "we_" + Guid.NewGuid().ToString("N");
}
