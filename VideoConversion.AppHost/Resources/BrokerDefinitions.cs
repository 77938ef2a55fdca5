using System.Text.Json.Nodes;

namespace VideoConversion.AppHost.Resources;

/// <summary>
/// The broker's users and permissions as a RabbitMQ definitions file, imported at every boot
/// (load_definitions). With it RabbitMQ creates no default user, so the operator's administrator
/// is in it too. Passwords are given in plain text; RabbitMQ stores only their hashes.
/// </summary>
internal static class BrokerDefinitions
{
    private const string VirtualHost = "/";

    public static string Json(string adminUser, string adminPassword, IEnumerable<(BrokerGrant Grant, string Password)> services)
    {
        var users = new JsonArray(User(adminUser, adminPassword, "administrator"));
        var permissions = new JsonArray(Permission(new BrokerGrant(adminUser, ".*", ".*", ".*")));
        foreach (var (grant, password) in services)
        {
            users.Add(User(grant.UserName, password));
            permissions.Add(Permission(grant));
        }

        return new JsonObject
        {
            ["users"] = users,
            ["vhosts"] = new JsonArray(new JsonObject { ["name"] = VirtualHost }),
            ["permissions"] = permissions,
        }.ToJsonString();
    }

    private static JsonObject User(string name, string password, params string[] tags) => new()
    {
        ["name"] = name,
        ["password"] = password,
        ["tags"] = new JsonArray([.. tags.Select(tag => JsonValue.Create(tag))]),
    };

    private static JsonObject Permission(BrokerGrant grant) => new()
    {
        ["user"] = grant.UserName,
        ["vhost"] = VirtualHost,
        ["configure"] = grant.Configure,
        ["write"] = grant.Write,
        ["read"] = grant.Read,
    };
}
