namespace VideoConversion.AppHost.Resources;

/// <summary>How the backing services (RabbitMQ, object storage) run.</summary>
public enum InfrastructureMode
{
    /// <summary>Containers when a container runtime answers, host executables otherwise.</summary>
    Auto,

    /// <summary>Always containers (the official RabbitMQ and MinIO images).</summary>
    Container,

    /// <summary>Always host processes: RabbitMQ from the OS package, MinIO or the S3 stand-in.</summary>
    Executable,
}
