namespace VideoConversion.AppHost.Resources;

/// <summary>The services that get credentials of their own from storage and the broker.</summary>
internal static class ServiceIdentity
{
    public const string Api = "api";
    public const string Worker = "worker";

    /// <summary>Storage itself, on the broker only: it announces uploads (bucket notifications) and may do nothing else.</summary>
    public const string Storage = "storage";

    /// <summary>The services with a storage user of their own.</summary>
    public static readonly IReadOnlyList<string> All = [Api, Worker];

    /// <summary>Whoever holds a broker user of its own: the services and storage's notifications.</summary>
    public static readonly IReadOnlyList<string> OnTheBroker = [Api, Worker, Storage];
}
