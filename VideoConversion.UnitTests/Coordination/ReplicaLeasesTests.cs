using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using VideoConversion.Api.Coordination;
using VideoConversion.Api.Data;
using VideoConversion.Api.Extensions;

namespace VideoConversion.UnitTests.Coordination;

/// <summary>
/// The leases that keep the API's singletons on one replica: SQLite's, which one process holds for good, and the keys of
/// PostgreSQL's advisory locks, which every replica must compute alike.
/// </summary>
public class ReplicaLeasesTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task On_SQLite_a_lease_is_granted_at_once_and_never_lost()
    {
        await using var services = SqliteServices();
        var leases = services.GetRequiredService<ReplicaLeases>();
        Assert.False(leases.IsHeld(ReplicaDuties.RetentionSweeper));

        var acquiring = leases.AcquireAsync(ReplicaDuties.RetentionSweeper, CancellationToken.None);
        Assert.True(acquiring.IsCompletedSuccessfully, "an SQLite lease waits for nothing");
        await using (var lease = await acquiring)
        {
            Assert.True(leases.IsHeld(ReplicaDuties.RetentionSweeper));
            Assert.False(lease.Lost.CanBeCanceled, "an SQLite lease can never be lost");
            Assert.False(leases.IsHeld(ReplicaDuties.WebhookDispatcher));
            // One lease per duty and replica: a second would be a duty running twice in one process.
            await Assert.ThrowsAsync<InvalidOperationException>(() => leases.AcquireAsync(ReplicaDuties.RetentionSweeper, CancellationToken.None));
        }

        Assert.False(leases.IsHeld(ReplicaDuties.RetentionSweeper));
    }

    [Fact]
    public async Task On_SQLite_a_duty_runs_until_the_API_stops_and_its_lease_goes_with_it()
    {
        await using var services = SqliteServices();
        var leases = services.GetRequiredService<ReplicaLeases>();
        using var stopping = new CancellationTokenSource();
        var started = new TaskCompletionSource<CancellationToken>(TaskCreationOptions.RunContinuationsAsynchronously);

        var running = leases.RunWhileHeldAsync(ReplicaDuties.StalledJobReconciler, async token =>
        {
            started.TrySetResult(token);
            await Task.Delay(Timeout.Infinite, token);
        }, stopping.Token);

        var duty = await started.Task.WaitAsync(Patience);
        Assert.True(leases.IsHeld(ReplicaDuties.StalledJobReconciler));
        Assert.False(duty.IsCancellationRequested);

        await stopping.CancelAsync();
        await running.WaitAsync(Patience);
        Assert.True(duty.IsCancellationRequested);
        Assert.False(leases.IsHeld(ReplicaDuties.StalledJobReconciler));
    }

    [Fact]
    public async Task The_lease_gauge_shows_a_duty_this_replica_holds_and_nothing_once_it_is_given_up()
    {
        await using var services = SqliteServices();
        var leases = services.GetRequiredService<ReplicaLeases>();
        var meters = services.GetRequiredService<IMeterFactory>();
        var measured = new Dictionary<string, int>(StringComparer.Ordinal);
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, meterListener) =>
            {
                if (instrument.Meter.Scope == meters && instrument.Name == "videoconversion.replica.leases")
                {
                    meterListener.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<int>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == ReplicaLeases.DutyTag)
                {
                    measured[(string)tag.Value!] = value;
                }
            }
        });
        listener.Start();

        await using (await leases.AcquireAsync(ReplicaDuties.QueueDepthMonitor, CancellationToken.None))
        {
            listener.RecordObservableInstruments();
            var held = Assert.Single(measured);
            Assert.Equal(ReplicaDuties.QueueDepthMonitor, held.Key);
            Assert.Equal(1, held.Value);
        }

        measured.Clear();
        listener.RecordObservableInstruments();
        Assert.Empty(measured);
    }

    [Fact]
    public void A_duty_has_the_same_lock_key_in_every_process_and_each_duty_a_key_of_its_own()
    {
        Assert.Equal(AdvisoryLock.KeyOf(ReplicaDuties.RetentionSweeper), AdvisoryLock.KeyOf("retention-sweeper"));
        // Pinned (the first 8 bytes of SHA-256("videoconversion:retention-sweeper"), big-endian): a key that changed
        // between versions, or differed per process as string.GetHashCode does, would let two replicas run one duty.
        Assert.Equal(-3356889727187854227L, AdvisoryLock.KeyOf(ReplicaDuties.RetentionSweeper));
        Assert.Distinct(ReplicaDuties.All.Select(AdvisoryLock.KeyOf));
        Assert.NotEqual(AdvisoryLock.KeyOf("retention-sweeper"), AdvisoryLock.KeyOf("Retention-sweeper"));
    }

    /// <summary>What the API registers for leases, on SQLite (the file is never opened: an SQLite lease asks nothing of it).</summary>
    private static ServiceProvider SqliteServices()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                [JobDatabase.ProviderSetting] = nameof(DatabaseProvider.Sqlite),
                [$"ConnectionStrings:{ApplicationServiceExtensions.DatabaseConnectionName}"] = "Data Source=never-opened.db",
            })
            .Build();
        return new ServiceCollection()
            .AddLogging()
            .AddMetrics()
            .AddSingleton(JobDatabase.From(configuration))
            .AddReplicaLeases()
            .BuildServiceProvider();
    }
}
