using System.Text.Json;

namespace Keel.Testing;

/// <summary>Field-by-field assertions over recorded values (JSON compared by its recorded text), for store tests.</summary>
public static class RecordedValues
{
    /// <summary>Asserts both data buses hold the same keys with the same recorded JSON text; <paramref name="where"/> names the place in the failure message.</summary>
    public static void Data(IReadOnlyDictionary<string, JsonElement>? expected, IReadOnlyDictionary<string, JsonElement>? actual, string where)
    {
        if (expected is null || actual is null)
        {
            Assert.True(expected is null && actual is null, $"{where}: expected data {(expected is null ? "null" : "present")}, got {(actual is null ? "null" : "present")}");
            return;
        }

        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        foreach (var pair in expected)
        {
            Assert.True(
                KeelJson.ToText(pair.Value) == KeelJson.ToText(actual[pair.Key]),
                $"{where}: data '{pair.Key}' expected {KeelJson.ToText(pair.Value)}, got {KeelJson.ToText(actual[pair.Key])}");
        }
    }

    /// <summary>Every field of two entries; timestamps, durations and run ids only when <paramref name="exact"/>.</summary>
    public static void Entry(HistoryEntry expected, HistoryEntry actual, bool exact)
    {
        var where = $"entry #{expected.Sequence} ({expected.StepId})";
        Assert.Equal(expected.Sequence, actual.Sequence);
        Assert.Equal(expected.StepId, actual.StepId);
        Assert.Equal(expected.WorkerType, actual.WorkerType);
        Assert.Equal(expected.WorkerName, actual.WorkerName);
        Assert.Equal(expected.Visit, actual.Visit);
        Assert.Equal(expected.Attempt, actual.Attempt);
        Assert.Equal(expected.Outcome, actual.Outcome);
        Assert.True(KeelJson.ToText(expected.Input) == KeelJson.ToText(actual.Input), $"{where}: input {KeelJson.ToText(expected.Input)} vs {KeelJson.ToText(actual.Input)}");
        Assert.True(KeelJson.ToText(expected.Output) == KeelJson.ToText(actual.Output), $"{where}: output {KeelJson.ToText(expected.Output)} vs {KeelJson.ToText(actual.Output)}");
        Assert.Equal(expected.Input.ValueKind, actual.Input.ValueKind);
        Assert.Equal(expected.Output.ValueKind, actual.Output.ValueKind);
        Assert.Equal(expected.Error, actual.Error);
        Assert.Equal(expected.Usage, actual.Usage);
        Assert.Equal(expected.NextStep, actual.NextStep);
        Data(expected.Data, actual.Data, where);
        if (exact)
        {
            Assert.Equal(expected.RunId, actual.RunId);
            Assert.Equal(expected.Timestamp, actual.Timestamp);
            Assert.Equal(expected.Duration, actual.Duration);
            Assert.Equal(expected.IdempotencyKey, actual.IdempotencyKey);
        }
    }

    /// <summary>Asserts both histories have the same length and equal entries, position by position (see <see cref="Entry"/>).</summary>
    public static void History(IReadOnlyList<HistoryEntry> expected, IReadOnlyList<HistoryEntry> actual, bool exact)
    {
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            Entry(expected[i], actual[i], exact);
        }
    }
}
