namespace VideoConversion.Api.Messaging;

/// <summary>Wakes the outbox dispatcher as soon as a message is written.</summary>
public sealed class OutboxSignal : WakeUpSignal;
