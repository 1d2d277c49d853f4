using YamlDotNet.Core;

namespace KsUpgrade.Engine.Yaml;

/// <summary>A YAML syntax error with its position, never with the text around it (which may hold secrets).</summary>
public sealed record YamlSyntaxError(long Line, long Column, string Problem);

/// <summary>Checks YAML syntax and tells where it breaks.</summary>
public static class YamlSyntax
{
    /// <summary>
    /// Null when the text parses; else the position. YamlDotNet reports some malformed input (e.g. an unclosed
    /// flow collection) with an InvalidOperationException and no position: then the position after the last
    /// well-formed event is given.
    /// </summary>
    public static YamlSyntaxError? Check(string text)
    {
        var parser = new Parser(new StringReader(text));
        Mark last = Mark.Empty;
        try
        {
            while (parser.MoveNext())
                if (parser.Current is not null) last = parser.Current.End;
            return null;
        }
        catch (YamlException e)
        {
            return new YamlSyntaxError(e.Start.Line, e.Start.Column, Describe(e));
        }
        catch (InvalidOperationException)
        {
            return new YamlSyntaxError(Math.Max(1, last.Line), Math.Max(1, last.Column), "unterminated flow collection or scalar");
        }
    }

    // YamlDotNet's messages are generic phrases ("While scanning a quoted scalar, found unexpected end of stream"),
    // but some quote content; keep only messages without quotes.
    private static string Describe(YamlException e)
    {
        var m = e.Message;
        var dash = m.IndexOf("): ", StringComparison.Ordinal);
        if (dash >= 0) m = m[(dash + 3)..];
        return m.Contains('\'') || m.Contains('"') ? "malformed YAML" : m.TrimEnd('.');
    }
}
