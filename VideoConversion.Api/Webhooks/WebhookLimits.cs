namespace VideoConversion.Api.Webhooks;

/// <summary>The bounds of what webhooks store.</summary>
public static class WebhookLimits
{
    public const int UrlLength = 2048;
    public const int IdLength = 40;
    public const int ErrorLength = 500;

    /// <summary>An endpoint's id: unguessable, like job ids.</summary>
    public static string NewId() => "we_" + Guid.NewGuid().ToString("N");

    /// <summary>A delivery's id, its <c>webhook-id</c>: the same on every attempt.</summary>
    public static string NewDeliveryId() => "msg_" + Guid.NewGuid().ToString("N");
}
