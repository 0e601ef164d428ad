using System.Text;
using System.Text.Json;

namespace Keel;

/// <summary>Reads JSON text into <see cref="DocNode"/>s with <see cref="Utf8JsonReader"/>, keeping each node's position.</summary>
internal static class JsonDocReader
{
    public static DocNode? Read(string file, string text, WorkflowReadOptions options, List<WorkflowFileProblem> problems)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var lines = LineStarts(bytes);
        var reader = new Utf8JsonReader(bytes, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true, MaxDepth = options.MaxDepth });
        try
        {
            if (!reader.Read())
            {
                problems.Add(new WorkflowFileProblem(file, 1, 1, "the file is empty (expected a JSON object with name and steps)"));
                return null;
            }

            var root = ReadValue(ref reader, lines);
            if (reader.Read())
            {
                var (line, column) = Position(lines, reader.TokenStartIndex);
                problems.Add(new WorkflowFileProblem(file, line, column, "invalid JSON: more content after the workflow object (expected the end of the file)"));
            }

            return root;
        }
        catch (JsonException ex)
        {
            var line = (int)(ex.LineNumber ?? 0) + 1;
            var column = (int)(ex.BytePositionInLine ?? 0) + 1;
            problems.Add(new WorkflowFileProblem(file, line, column, "invalid JSON: " + Clean(ex.Message)));
            return null;
        }
    }

    private static DocNode ReadValue(ref Utf8JsonReader reader, List<long> lines)
    {
        var (line, column) = Position(lines, reader.TokenStartIndex);
        switch (reader.TokenType)
        {
            case JsonTokenType.StartObject:
                var entries = new List<KeyValuePair<DocScalar, DocNode>>();
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var (keyLine, keyColumn) = Position(lines, reader.TokenStartIndex);
                    var key = new DocScalar(reader.GetString(), true, keyLine, keyColumn);
                    reader.Read();
                    entries.Add(new(key, ReadValue(ref reader, lines)));
                }

                return new DocMap(entries, line, column);
            case JsonTokenType.StartArray:
                var items = new List<DocNode>();
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    items.Add(ReadValue(ref reader, lines));
                }

                return new DocSeq(items, line, column);
            case JsonTokenType.String:
                return new DocScalar(reader.GetString(), true, line, column);
            case JsonTokenType.Null:
                return new DocScalar(null, false, line, column);
            default:
                return new DocScalar(Encoding.UTF8.GetString(reader.ValueSpan), false, line, column);
        }
    }

    private static List<long> LineStarts(byte[] bytes)
    {
        var starts = new List<long> { 0 };
        for (var i = 0; i < bytes.Length; i++)
        {
            if (bytes[i] == (byte)'\n')
            {
                starts.Add(i + 1);
            }
        }

        return starts;
    }

    private static (int Line, int Column) Position(List<long> lines, long offset)
    {
        var index = lines.BinarySearch(offset);
        if (index < 0)
        {
            index = ~index - 1;
        }

        return (index + 1, (int)(offset - lines[index]) + 1);
    }

    private static string Clean(string message)
    {
        var index = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        return index > 0 ? message[..index].TrimEnd() : message;
    }
}
