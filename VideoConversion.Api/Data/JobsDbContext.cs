using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using VideoConversion.Api.Accounts;
using VideoConversion.Api.Jobs;
using VideoConversion.Api.Quotas;
using VideoConversion.Api.Webhooks;

namespace VideoConversion.Api.Data;

/// <summary>
/// The API's database: jobs, their outbox and webhooks, and the accounts (Identity's tables) and API keys that own them.
/// This type is the SQLite database and its migrations; <see cref="PostgreSQL.PostgreSqlJobsDbContext"/> is the same model on
/// PostgreSQL, with migrations of its own (EF keeps a migration set per context type).
/// </summary>
public class JobsDbContext : IdentityDbContext<IdentityUser>, IDataProtectionKeyContext
{
    private readonly DatabaseWriteGate writeGate;

    public JobsDbContext(DbContextOptions<JobsDbContext> options, DatabaseWriteGate writeGate)
        : this((DbContextOptions)options, writeGate)
    {
    }

    /// <summary>For a provider's own context type (its migrations are found by that type).</summary>
    protected JobsDbContext(DbContextOptions options, DatabaseWriteGate writeGate)
        : base(options) => this.writeGate = writeGate;

    /// <summary>For work that writes outside SaveChanges (an explicit transaction): hold it for the whole transaction.</summary>
    public DatabaseWriteGate WriteGate => writeGate;

    public override async Task<int> SaveChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken = default)
    {
        using (await writeGate.EnterAsync(cancellationToken))
        {
            return await SaveDetectedChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
        }
    }

    /// <summary>For a caller that already holds <see cref="WriteGate"/> (a check and the write it allows, as one step).</summary>
    public Task<int> SaveChangesHoldingGateAsync(CancellationToken cancellationToken) => SaveDetectedChangesAsync(true, cancellationToken);

    /// <summary>
    /// The tracked entities are compared with their snapshots once per save. Left to itself, EF compares them after the
    /// SavingChanges interceptors, which must see the changes first (the webhook recorder reads every job's move), and
    /// each look at the change tracker compares them again: three scans where one does, on the database writer's lanes
    /// that every hot write waits for (measured with perf: ~2.5 % of the API's CPU while it took submissions). So an
    /// interceptor may add entities (Add tracks them without a scan) but must not change a tracked one: no scan after it
    /// would see that change, and it would not be saved.
    /// </summary>
    private async Task<int> SaveDetectedChangesAsync(bool acceptAllChangesOnSuccess, CancellationToken cancellationToken)
    {
        if (!ChangeTracker.AutoDetectChangesEnabled)
        {
            return await base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
        }

        ChangeTracker.DetectChanges();
        ChangeTracker.AutoDetectChangesEnabled = false;
        try
        {
            return await base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
        }
        finally
        {
            ChangeTracker.AutoDetectChangesEnabled = true;
        }
    }

    /// <summary>"00-" + 32 + "-" + 16 + "-" + 2 characters; a little room for a future version.</summary>
    private const int TraceParentLength = 64;

    public DbSet<Job> Jobs => Set<Job>();

    public DbSet<OutboxMessage> Outbox => Set<OutboxMessage>();

    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();

    /// <summary>Each account's running totals, kept by triggers on jobs (read-only for code).</summary>
    public DbSet<AccountUsageTotals> AccountUsage => Set<AccountUsageTotals>();

    public DbSet<WebhookEndpoint> WebhookEndpoints => Set<WebhookEndpoint>();

    public DbSet<WebhookDelivery> WebhookDeliveries => Set<WebhookDelivery>();

    public DbSet<WebhookAttempt> WebhookAttempts => Set<WebhookAttempt>();

    /// <summary>
    /// The keys that protect sign-in tokens and webhook secrets, where API replicas share them (PostgreSQL); one API on
    /// SQLite keeps them in a directory beside its database instead (<c>DataProtection:KeysDirectory</c>).
    /// </summary>
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // SQLite has no date type; a binary (tick) encoding keeps ordering and comparisons in SQL. PostgreSQL keeps the same
        // encoding (bigint), so both databases hold the same values and a copy from one to the other moves them unchanged.
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<DateTimeOffsetToBinaryConverter>();
    }

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder); // Identity's tables
        builder.Entity<Job>(job =>
        {
            // Triggers keep account_usage in step (the AccountUsageTotals migration). EF must not read saved values back
            // with RETURNING, which SQLite does not allow on a table with triggers (PostgreSQL does).
            job.ToTable("jobs", table =>
            {
                table.HasTrigger(AccountUsageTriggers.Insert);
                table.HasTrigger(AccountUsageTriggers.Update);
                table.HasTrigger(AccountUsageTriggers.Delete);
                if (Database.IsSqlite())
                {
                    table.UseSqlReturningClause(false);
                }
            });
            job.HasKey(j => j.Id);
            job.Property(j => j.Id).HasMaxLength(32);
            job.Property(j => j.FileName).HasMaxLength(JobLimits.FileNameLength);
            job.Property(j => j.ContentType).HasMaxLength(JobLimits.ContentTypeLength);
            job.Property(j => j.InputKey).HasMaxLength(64);
            job.Property(j => j.InputUrl).HasMaxLength(WebhookLimits.UrlLength);
            job.Property(j => j.OutputFormat).HasMaxLength(16);
            // Jobs from before outputs could be chosen made the MP4 alone (the migration fills in "mp4").
            job.Property(j => j.Outputs).HasMaxLength(64);
            job.Ignore(j => j.OutputList);
            job.Ignore(j => j.PartCount);
            job.Property(j => j.MultipartUploadId).HasMaxLength(256);
            job.Property(j => j.Status).HasConversion<string>().HasMaxLength(16);
            job.Property(j => j.Error).HasMaxLength(JobLimits.ErrorLength);
            job.Property(j => j.ConversionMethod).HasMaxLength(JobLimits.ConversionMethodLength);
            job.Property(j => j.TraceParent).HasMaxLength(TraceParentLength);
            job.Property(j => j.InputETag).HasMaxLength(JobLimits.ETagLength);
            job.Property(j => j.UploadedETag).HasMaxLength(JobLimits.ETagLength);
            job.Property(j => j.Version).IsConcurrencyToken();
            job.Property(j => j.OwnerId).HasMaxLength(JobLimits.AccountIdLength);
            job.Property(j => j.ApiKeyId).HasMaxLength(16);
            job.HasIndex(j => j.CreatedAt);
            job.HasIndex(j => j.Status);
            job.HasIndex(j => j.DeletedAt);
            // The few inputs whose removal is still to be confirmed, found each sweep without reading every job.
            job.HasIndex(j => j.InputDeletedAt).HasFilter("\"InputRemovalPending\"");
            // A caller's own jobs, newest first: the list every page and client reads.
            job.HasIndex(j => new { j.OwnerId, j.CreatedAt });
        });

        builder.Entity<DataProtectionKey>().ToTable("data_protection_keys");

        builder.Entity<AccountUsageTotals>(usage =>
        {
            usage.ToTable("account_usage");
            usage.HasKey(u => u.OwnerId);
            usage.Property(u => u.OwnerId).HasMaxLength(JobLimits.AccountIdLength);
        });

        builder.Entity<OutboxMessage>(message =>
        {
            message.ToTable("outbox");
            message.HasKey(m => m.Id);
            message.Property(m => m.JobId).HasMaxLength(32);
            message.Property(m => m.Queue).HasMaxLength(64);
            message.Property(m => m.LastError).HasMaxLength(JobLimits.ErrorLength);
            message.Property(m => m.TraceParent).HasMaxLength(TraceParentLength);
        });

        builder.Entity<ApiKey>(key =>
        {
            key.ToTable("api_keys");
            key.HasKey(k => k.Id);
            key.Property(k => k.Id).HasMaxLength(16);
            key.Property(k => k.UserId).HasMaxLength(JobLimits.AccountIdLength);
            key.Property(k => k.Name).HasMaxLength(100);
            key.HasIndex(k => k.UserId);
            key.HasOne<IdentityUser>().WithMany().HasForeignKey(k => k.UserId).OnDelete(DeleteBehavior.Cascade);
        });

        // Webhooks: an endpoint goes with its job (a job's own) and takes its deliveries with it, each with its attempts.
        builder.Entity<WebhookEndpoint>(endpoint =>
        {
            endpoint.ToTable("webhook_endpoints");
            endpoint.HasKey(e => e.Id);
            endpoint.Property(e => e.Id).HasMaxLength(WebhookLimits.IdLength);
            endpoint.Property(e => e.OwnerId).HasMaxLength(JobLimits.AccountIdLength);
            endpoint.Property(e => e.ApiKeyId).HasMaxLength(16);
            endpoint.Property(e => e.JobId).HasMaxLength(32);
            endpoint.Property(e => e.Url).HasMaxLength(WebhookLimits.UrlLength);
            endpoint.HasIndex(e => new { e.OwnerId, e.JobId });
            endpoint.HasOne<Job>().WithMany().HasForeignKey(e => e.JobId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<WebhookDelivery>(delivery =>
        {
            delivery.ToTable("webhook_deliveries");
            delivery.HasKey(d => d.Id);
            delivery.Property(d => d.Id).HasMaxLength(WebhookLimits.IdLength);
            delivery.Property(d => d.EndpointId).HasMaxLength(WebhookLimits.IdLength);
            delivery.Property(d => d.JobId).HasMaxLength(32);
            delivery.Property(d => d.EventType).HasMaxLength(32);
            delivery.Property(d => d.Status).HasConversion<string>().HasMaxLength(16);
            delivery.Property(d => d.LastError).HasMaxLength(WebhookLimits.ErrorLength);
            delivery.Property(d => d.Version).IsConcurrencyToken();
            // What the dispatcher asks every second: the pending ones that are due.
            delivery.HasIndex(d => new { d.Status, d.NextAttemptAt });
            delivery.HasIndex(d => d.JobId);
            delivery.HasIndex(d => new { d.EndpointId, d.CreatedAt });
            delivery.HasOne<WebhookEndpoint>().WithMany().HasForeignKey(d => d.EndpointId).OnDelete(DeleteBehavior.Cascade);
            delivery.HasOne<Job>().WithMany().HasForeignKey(d => d.JobId).OnDelete(DeleteBehavior.Cascade);
        });

        builder.Entity<WebhookAttempt>(attempt =>
        {
            attempt.ToTable("webhook_attempts");
            attempt.HasKey(a => a.Id);
            attempt.Property(a => a.DeliveryId).HasMaxLength(WebhookLimits.IdLength);
            attempt.Property(a => a.Error).HasMaxLength(WebhookLimits.ErrorLength);
            attempt.HasIndex(a => a.DeliveryId);
            attempt.HasOne<WebhookDelivery>().WithMany().HasForeignKey(a => a.DeliveryId).OnDelete(DeleteBehavior.Cascade);
        });
    }
}
