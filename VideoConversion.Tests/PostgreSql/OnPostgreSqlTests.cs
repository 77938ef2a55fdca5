using VideoConversion.Tests.Integration;
using VideoConversion.Tests.Support;

namespace VideoConversion.Tests.PostgreSql;

// The API's contract, a video end to end, accounts and quotas again, with the jobs in PostgreSQL: the same tests, their
// system started with the other provider. Quotas read totals kept by PostgreSQL's own triggers; accounts' tokens are
// protected with keys kept in the database.

[Collection(PostgreSqlSystem.Name)]
public sealed class ApiContractTestsOnPostgreSql(PostgreSqlSystemFixture system) : ApiContractTests(system);

[Collection(PostgreSqlSystem.Name)]
public sealed class EndToEndTestsOnPostgreSql(PostgreSqlSystemFixture system) : EndToEndTests(system);

[Collection(PostgreSqlSystem.Name)]
public sealed class QuotaTestsOnPostgreSql(PostgreSqlSystemFixture system) : QuotaTests(system);

[Collection(PostgreSqlSystem.Name)]
public sealed class AccountsTestsOnPostgreSql(PostgreSqlSystemFixture system) : AccountsTests(system);
