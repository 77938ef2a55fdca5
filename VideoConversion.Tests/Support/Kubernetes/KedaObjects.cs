using k8s;
using k8s.Models;

namespace VideoConversion.Tests.Support.Kubernetes;

// KEDA's custom resources, as far as the tests read them (keda.sh/v1alpha1). The Kubernetes
// client knows only built-in kinds; these map the fields by their camelCase names.

public sealed class ScaledObject : IKubernetesObject<V1ObjectMeta>
{
    public const string TypeKey = "keda.sh/v1alpha1/ScaledObject";

    public string ApiVersion { get; set; } = "";
    public string Kind { get; set; } = "";
    public V1ObjectMeta Metadata { get; set; } = new();
    public ScaledObjectSpec Spec { get; set; } = new();
}

public sealed class ScaledObjectSpec
{
    public ScaleTargetRef ScaleTargetRef { get; set; } = new();
    public int? PollingInterval { get; set; }
    public int? CooldownPeriod { get; set; }
    public int? MinReplicaCount { get; set; }
    public int? MaxReplicaCount { get; set; }
    public ScaledObjectAdvanced? Advanced { get; set; }
    public List<ScaleTrigger> Triggers { get; set; } = [];
}

public sealed class ScaleTargetRef
{
    public string Name { get; set; } = "";
    public string? Kind { get; set; }
}

public sealed class ScaledObjectAdvanced
{
    public HorizontalPodAutoscalerConfig? HorizontalPodAutoscalerConfig { get; set; }
}

public sealed class HorizontalPodAutoscalerConfig
{
    public V2HorizontalPodAutoscalerBehavior? Behavior { get; set; }
}

public sealed class ScaleTrigger
{
    public string Type { get; set; } = "";
    public Dictionary<string, string> Metadata { get; set; } = [];
    public AuthenticationRef? AuthenticationRef { get; set; }
}

public sealed class AuthenticationRef
{
    public string Name { get; set; } = "";
}

public sealed class TriggerAuthentication : IKubernetesObject<V1ObjectMeta>
{
    public const string TypeKey = "keda.sh/v1alpha1/TriggerAuthentication";

    public string ApiVersion { get; set; } = "";
    public string Kind { get; set; } = "";
    public V1ObjectMeta Metadata { get; set; } = new();
    public TriggerAuthenticationSpec Spec { get; set; } = new();
}

public sealed class TriggerAuthenticationSpec
{
    public List<SecretTargetRef> SecretTargetRef { get; set; } = [];
}

public sealed class SecretTargetRef
{
    public string Parameter { get; set; } = "";
    public string Name { get; set; } = "";
    public string Key { get; set; } = "";
}
