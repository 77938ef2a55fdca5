using VideoConversion.Api.Messaging;

namespace VideoConversion.Api.Webhooks;

/// <summary>Wakes the webhook dispatcher as soon as deliveries are recorded.</summary>
public sealed class WebhookSignal : WakeUpSignal;
