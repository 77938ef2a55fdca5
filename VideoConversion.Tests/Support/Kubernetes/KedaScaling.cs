using System.Globalization;

namespace VideoConversion.Tests.Support.Kubernetes;

/// <summary>
/// The replica count KEDA and the HPA settle on for a queue depth, from a ScaledObject's own
/// settings (a QueueLength trigger, whose metric the HPA averages over pods): at or below the
/// activation value KEDA scales to minReplicaCount; above it the HPA wants
/// ceil(depth / value) pods, within 1..maxReplicaCount.
/// </summary>
public static class KedaScaling
{
    public static int DesiredReplicas(ScaledObject scaledObject, double queueDepth)
    {
        var spec = scaledObject.Spec;
        var trigger = spec.Triggers.Single(trigger => trigger.Type == "rabbitmq");
        Assert.Equal("QueueLength", trigger.Metadata["mode"]);
        var target = double.Parse(trigger.Metadata["value"], CultureInfo.InvariantCulture);
        var activation = trigger.Metadata.TryGetValue("activationValue", out var text) ? double.Parse(text, CultureInfo.InvariantCulture) : 0;
        var min = spec.MinReplicaCount ?? 0;
        var max = spec.MaxReplicaCount ?? 100;

        if (queueDepth <= activation)
        {
            return min;
        }

        var wanted = (int)Math.Ceiling(queueDepth / target);
        return Math.Clamp(wanted, Math.Max(min, 1), max);
    }
}
