using VideoConversion.AppHost.Resources;
using VideoConversion.Tests.Support;
using VideoConversion.Worker.Conversion;

namespace VideoConversion.UnitTests.Messaging;

public class ConsumerTimeoutTests
{
    [Fact]
    public void The_broker_never_hands_a_job_to_a_second_worker_while_the_first_may_still_hold_it()
    {
        var worker = new ConversionOptions();
        // A prefetched job may first wait for the worker's turn.
        var longestHold = worker.MaxTurnWait + worker.TransferTimeout + worker.ProbeTimeout + worker.MaxConversionTime + worker.TransferTimeout + worker.DrainTimeout;
        var consumerTimeout = BrokerConfiguration.ConsumerTimeout(RepositoryPaths.Root);

        Assert.True(consumerTimeout > longestHold, $"consumer_timeout {consumerTimeout} must exceed the longest hold {longestHold}");
    }
}
