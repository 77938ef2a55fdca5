namespace VideoConversion.AppHost.Resources;

/// <summary>The services that get credentials of their own from storage and the broker.</summary>
internal static class ServiceIdentity
{
    public const string Api = "api";
    public const string Worker = "worker";

    public static readonly IReadOnlyList<string> All = [Api, Worker];
}
