namespace VideoConversion.Worker.Conversion.Probing;

public enum StreamKind
{
    Other,
    Video,
    Audio,
}
