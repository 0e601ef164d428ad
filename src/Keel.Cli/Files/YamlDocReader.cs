using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Keel.Cli.Files;

/// <summary>Reads YAML text into <see cref="DocNode"/>s, keeping each node's position.</summary>
internal static class YamlDocReader
{
    public static DocNode? Read(string file, string text, List<FileProblem> problems)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException ex)
        {
            var message = ex.InnerException is YamlException inner && !string.IsNullOrEmpty(inner.Message) ? inner.Message : ex.Message;
            problems.Add(new FileProblem(file, (int)ex.Start.Line, (int)ex.Start.Column, "invalid YAML: " + Clean(message)));
            return null;
        }

        if (stream.Documents.Count == 0)
        {
            problems.Add(new FileProblem(file, 1, 1, "the file is empty (expected a mapping with name and steps)"));
            return null;
        }

        if (stream.Documents.Count > 1)
        {
            var second = stream.Documents[1].RootNode;
            problems.Add(new FileProblem(file, (int)second.Start.Line, (int)second.Start.Column, "more than one YAML document (expected one workflow a file)"));
        }

        return Convert(stream.Documents[0].RootNode);
    }

    private static DocNode Convert(YamlNode node)
    {
        var line = (int)node.Start.Line;
        var column = (int)node.Start.Column;
        switch (node)
        {
            case YamlMappingNode map:
                var entries = new List<KeyValuePair<DocScalar, DocNode>>(map.Children.Count);
                foreach (var pair in map.Children)
                {
                    var key = Convert(pair.Key) as DocScalar ?? new DocScalar(null, false, (int)pair.Key.Start.Line, (int)pair.Key.Start.Column);
                    entries.Add(new(key, Convert(pair.Value)));
                }

                return new DocMap(entries, line, column);
            case YamlSequenceNode sequence:
                return new DocSeq(sequence.Children.Select(Convert).ToArray(), line, column);
            case YamlScalarNode scalar:
                return new DocScalar(scalar.Value, scalar.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted or ScalarStyle.Literal or ScalarStyle.Folded, line, column);
            default:
                return new DocScalar(null, false, line, column);
        }
    }

    private static string Clean(string message)
    {
        // YamlDotNet prefixes messages with "(Line: 3, Col: 5, Idx: 20) - (Line: ...): "; the position is reported separately.
        var index = message.LastIndexOf("): ", StringComparison.Ordinal);
        return message.StartsWith("(Line:", StringComparison.Ordinal) && index >= 0 ? message[(index + 3)..] : message;
    }
}
