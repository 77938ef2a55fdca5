namespace VideoConversion.Worker.Conversion;

public enum StreamKind
{
    Other,
    Video,
    Audio,
}
