namespace VideoConversion.AppHost.Resources;

/// <summary>How the backing services (RabbitMQ, object storage, and PostgreSQL when it keeps the jobs) run.</summary>
public enum InfrastructureMode
{
    /// <summary>Containers when a container runtime answers, host executables otherwise.</summary>
    Auto,

    /// <summary>Always containers (the official RabbitMQ, MinIO and PostgreSQL images).</summary>
    Container,

    /// <summary>Always host processes: RabbitMQ and PostgreSQL from the OS packages, MinIO or the S3 stand-in.</summary>
    Executable,
}
