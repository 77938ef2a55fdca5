using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using VideoConversion.Api.Data;

namespace VideoConversion.Tests.Support;

/// <summary>The groups one writer's metrics counted as undone while this listened, by cause.</summary>
internal sealed class UndoneGroups : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<string, long> _byCause = new();

    public UndoneGroups(IMeterFactory meters)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter.Scope, meters) && instrument.Name == "videoconversion.database.groups.undone")
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == DatabaseMetrics.UndoneCauseAttribute && tag.Value is string cause)
                {
                    _byCause.AddOrUpdate(cause, value, (_, sum) => sum + value);
                }
            }
        });
        _listener.Start();
    }

    public long By(string cause) => _byCause.GetValueOrDefault(cause);

    public void Dispose() => _listener.Dispose();
}
