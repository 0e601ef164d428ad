using System.Globalization;

namespace Keel;

/// <summary>Builds the nodes the writer emits (positions are 0: written nodes come from no file).</summary>
internal static class Doc
{
    public static DocScalar Text(string value) => new(value, true, 0, 0);

    public static DocScalar Number(int value) => new(value.ToString(CultureInfo.InvariantCulture), false, 0, 0);

    public static DocScalar Number(double value) => new(value.ToString("R", CultureInfo.InvariantCulture), false, 0, 0);

    public static DocScalar Duration(TimeSpan value) => new(WorkflowDuration.Format(value), true, 0, 0);

    public static DocMap Map(IEnumerable<(string Key, DocNode? Value)> entries)
        => new(entries.Where(e => e.Value is not null).Select(e => new KeyValuePair<DocScalar, DocNode>(Text(e.Key), e.Value!)).ToArray(), 0, 0);

    public static DocSeq List(IEnumerable<DocNode> items) => new(items.ToArray(), 0, 0);
}
