using System.Collections.ObjectModel;
using System.Text;

namespace Keel;

/// <summary>
/// A run's history as <see cref="WorkflowResult.History"/> and <see cref="WorkflowContext.History"/> hand it
/// out: a read-only view of the entries that prints them readably (one <see cref="HistoryEntry.ToString"/>
/// each), so <c>$"History: {result.History}"</c> shows the run's path rather than a type name.
/// </summary>
internal sealed class HistoryList : ReadOnlyCollection<HistoryEntry>
{
    public HistoryList(IList<HistoryEntry> entries)
        : base(entries)
    {
    }

    public static HistoryList Of(IReadOnlyList<HistoryEntry> entries)
        => entries as HistoryList ?? new HistoryList(entries as IList<HistoryEntry> ?? [.. entries]);

    public override string ToString()
    {
        var text = new StringBuilder("[");
        for (var i = 0; i < Count; i++)
        {
            text.Append(i == 0 ? string.Empty : ", ").Append(this[i].ToString());
        }

        return text.Append(']').ToString();
    }
}
