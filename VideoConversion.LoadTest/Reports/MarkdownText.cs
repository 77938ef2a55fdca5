using System.Globalization;
using System.Text;

namespace VideoConversion.LoadTest.Reports;

/// <summary>Markdown built line by line; numbers are always formatted the same way, whatever the machine's culture.</summary>
public sealed class MarkdownText
{
    private readonly StringBuilder _text = new();

    public MarkdownText Line(string line = "")
    {
        _text.AppendLine(line);
        return this;
    }

    /// <summary>One paragraph from sentences written apart in code, followed by a blank line.</summary>
    public MarkdownText Paragraph(params string[] sentences) => Line(string.Join(' ', sentences)).Line();

    public MarkdownText Heading(string heading, int level = 2) => Line($"{new string('#', level)} {heading}").Line();

    public MarkdownText TableRow(params string[] cells) => Line($"| {string.Join(" | ", cells)} |");

    public static string Number(double value, string format = "F2") => value.ToString(format, CultureInfo.InvariantCulture);

    /// <summary>A difference, its sign always shown: "+0.17", "-0.05".</summary>
    public static string WithSign(double value, string format = "F2") => value >= 0 ? $"+{Number(value, format)}" : Number(value, format);

    public static string Percent(double share, int decimals = 1) => share.ToString($"P{decimals}", CultureInfo.InvariantCulture);

    public static string Met(bool met) => met ? "met" : "**not met**";

    public override string ToString() => _text.ToString();
}
