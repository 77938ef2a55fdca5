using Microsoft.EntityFrameworkCore;

namespace VideoConversion.Api.Data.PostgreSQL;

/// <summary>
/// The job database on PostgreSQL: the same model as <see cref="JobsDbContext"/>, a type of its own only so that EF keeps
/// its migrations (PostgreSQL's column types, its trigger functions) apart from SQLite's. Every service asks for
/// <see cref="JobsDbContext"/> and gets this one when <c>Database:Provider</c> is PostgreSQL.
/// </summary>
public sealed class PostgreSqlJobsDbContext(DbContextOptions<PostgreSqlJobsDbContext> options, DatabaseWriteGate writeGate)
    : JobsDbContext(options, writeGate);
