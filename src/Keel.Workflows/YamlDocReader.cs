using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Keel;

/// <summary>
/// Reads YAML text into <see cref="DocNode"/>s from the parser's events, keeping each node's position.
/// Iterative (no recursion, so no depth can overflow the stack) and bounded: nesting depth, the number of
/// aliases and the number of nodes once aliases are expanded are limited by <see cref="WorkflowReadOptions"/>.
/// An alias shares the anchored node (no copy); the expanded count is what later passes would walk.
/// </summary>
internal static class YamlDocReader
{
    /// <summary>A position the parser gives past the end of the text (the end of input) as the end of the text's last line.</summary>
    private static (int Line, int Column) Within(string text, int line, int column)
    {
        var lines = text.Split('\n');
        var count = lines.Length > 1 && lines[^1].Length == 0 ? lines.Length - 1 : lines.Length;
        return line <= count || count == 0 ? (line, column) : (count, lines[count - 1].TrimEnd('\r').Length + 1);
    }

    /// <summary>The first tab in a line's indentation (the parser reports a tab used as indentation at 1:1).</summary>
    private static (int Line, int Column)? FirstIndentingTab(string text)
    {
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var indent = lines[i].Length - lines[i].TrimStart(' ', '\t').Length;
            var tab = lines[i].IndexOf('\t', StringComparison.Ordinal);
            if (tab >= 0 && tab < indent)
            {
                return (i + 1, tab + 1);
            }
        }

        return null;
    }

    public static DocNode? Read(string file, string text, WorkflowReadOptions options, List<WorkflowFileProblem> problems)
    {
        var reader = new Reader(file, options, problems);
        try
        {
            return reader.Read(new Parser(new StringReader(text)));
        }
        catch (YamlException ex)
        {
            // The inner exception, when there is one, is the scanner's, at the character it stopped on (the outer
            // one names where the enclosing construct began, often 1:1).
            var at = ex.InnerException is YamlException inner && !string.IsNullOrEmpty(inner.Message) ? inner : ex;
            var (line, column) = at.Message.Contains("tab as indentation", StringComparison.Ordinal) && FirstIndentingTab(text) is { } tab
                ? tab
                : Within(text, (int)at.Start.Line, (int)at.Start.Column);
            problems.Add(new WorkflowFileProblem(file, line, column, "invalid YAML: " + Clean(at.Message)));
            return null;
        }
        catch (InvalidOperationException ex)
        {
            // The YAML scanner reports some unfinished constructs (an unclosed flow list at the end of the
            // text) this way; the position is where the reader stopped.
            problems.Add(new WorkflowFileProblem(file, reader.Line, reader.Column, "invalid YAML: " + ex.Message + " (is a '[' or '{' left unclosed?)"));
            return null;
        }
    }

    private sealed class Frame(ParsingEvent start, bool isMapping, string? anchor)
    {
        public ParsingEvent Start { get; } = start;
        public bool IsMapping { get; } = isMapping;
        public string? Anchor { get; } = anchor;
        public List<DocNode> Items { get; } = [];
        public long Size { get; set; } = 1;
    }

    private sealed class Reader(string file, WorkflowReadOptions options, List<WorkflowFileProblem> problems)
    {
        private readonly Dictionary<string, (DocNode Node, long Size)> _anchors = new(StringComparer.Ordinal);
        private readonly Stack<Frame> _open = new();
        private long _nodes;
        private int _aliases;

        public int Line { get; private set; } = 1;

        public int Column { get; private set; } = 1;

        public DocNode? Read(IParser parser)
        {
            DocNode? root = null;
            var documents = 0;
            while (parser.MoveNext())
            {
                var current = parser.Current!;
                Line = (int)current.Start.Line;
                Column = (int)current.Start.Column;
                switch (current)
                {
                    case DocumentStart when ++documents > 1:
                        problems.Add(Problem(current, "more than one YAML document (expected one workflow a file)"));
                        return root;
                    case MappingStart or SequenceStart:
                        if (_open.Count >= options.MaxDepth)
                        {
                            problems.Add(Problem(current, $"the file nests deeper than {options.MaxDepth} levels"));
                            return null;
                        }

                        var anchor = current is NodeEvent { Anchor.IsEmpty: false } node ? node.Anchor.Value : null;
                        _open.Push(new Frame(current, current is MappingStart, anchor));
                        break;
                    case MappingEnd or SequenceEnd:
                        var frame = _open.Pop();
                        var built = Build(frame);
                        if (!Add(built, frame.Size, frame.Anchor, ref root))
                        {
                            return null;
                        }

                        break;
                    case Scalar scalar:
                        var value = new DocScalar(
                            scalar.Value,
                            scalar.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted or ScalarStyle.Literal or ScalarStyle.Folded,
                            Line,
                            Column);
                        if (!Add(value, 1, scalar.Anchor.IsEmpty ? null : scalar.Anchor.Value, ref root))
                        {
                            return null;
                        }

                        break;
                    case AnchorAlias alias:
                        if (++_aliases > options.MaxAliases)
                        {
                            problems.Add(Problem(current, $"the file uses more than {options.MaxAliases} aliases"));
                            return null;
                        }

                        if (!_anchors.TryGetValue(alias.Value.Value, out var target))
                        {
                            problems.Add(Problem(current, $"alias '*{alias.Value.Value}' names no anchor defined before it"));
                            return null;
                        }

                        if (!Add(target.Node, target.Size, null, ref root))
                        {
                            return null;
                        }

                        break;
                }
            }

            if (documents == 0 || root is null)
            {
                problems.Add(new WorkflowFileProblem(file, 1, 1, "the file is empty (expected a mapping with name and steps)"));
                return null;
            }

            return root;
        }

        private bool Add(DocNode node, long size, string? anchor, ref DocNode? root)
        {
            _nodes += size;
            if (_nodes > options.MaxNodes)
            {
                problems.Add(new WorkflowFileProblem(file, node.Line, node.Column, $"the file holds more than {options.MaxNodes} nodes once its aliases are expanded"));
                return false;
            }

            if (anchor is not null)
            {
                _anchors[anchor] = (node, size);
            }

            if (_open.TryPeek(out var parent))
            {
                parent.Items.Add(node);
                parent.Size += size;
            }
            else
            {
                root ??= node;
            }

            return true;
        }

        private static DocNode Build(Frame frame)
        {
            var line = (int)frame.Start.Start.Line;
            var column = (int)frame.Start.Start.Column;
            if (!frame.IsMapping)
            {
                return new DocSeq(frame.Items.ToArray(), line, column);
            }

            var entries = new List<KeyValuePair<DocScalar, DocNode>>(frame.Items.Count / 2);
            for (var i = 0; i + 1 < frame.Items.Count; i += 2)
            {
                var key = frame.Items[i] as DocScalar ?? new DocScalar(null, false, frame.Items[i].Line, frame.Items[i].Column);
                entries.Add(new(key, frame.Items[i + 1]));
            }

            return new DocMap(entries, line, column);
        }

        private WorkflowFileProblem Problem(ParsingEvent at, string message)
            => new(file, (int)at.Start.Line, (int)at.Start.Column, message);
    }

    private static string Clean(string message)
    {
        // YamlDotNet prefixes messages with "(Line: 3, Col: 5, Idx: 20) - (Line: ...): "; the position is reported separately.
        var index = message.LastIndexOf("): ", StringComparison.Ordinal);
        return message.StartsWith("(Line:", StringComparison.Ordinal) && index >= 0 ? message[(index + 3)..] : message;
    }
}
