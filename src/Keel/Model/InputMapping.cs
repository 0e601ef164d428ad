using System.Text.Json;

namespace Keel;

/// <summary>
/// A step's declarative input (<see cref="WorkflowStep.Input"/>, <c>input:</c> in workflow files): an object
/// whose fields are taken from the run by name, for every kind of worker. Each source is one of
/// <c>goal</c>; <c>input</c> (the default input); <c>last_output</c>; <c>data</c> or <c>data.KEY</c> (the data
/// bus or one key); <c>steps.ID.output</c> or <c>steps.ID.error</c> (the last recorded output or error of an
/// earlier step); <c>feedback</c> or <c>feedback.FIELD</c> (<c>from_step</c>, <c>outcome</c>, <c>label</c>,
/// <c>error</c>, <c>output</c>, <c>previous_output</c>). A source with nothing to give is JSON null.
/// </summary>
internal static class InputMapping
{
    private static readonly string[] FeedbackFields = ["from_step", "outcome", "label", "error", "output", "previous_output"];

    /// <summary>Why <paramref name="source"/> is not a source, or null when it is one (steps are checked against <paramref name="stepIds"/>).</summary>
    public static string? Check(string source, Func<string, bool> stepIds)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(stepIds);
        var (kind, argument) = Parse(source);
        return kind switch
        {
            "goal" or "input" or "last_output" or "data" or "data." or "feedback" => null,
            "feedback." => Array.IndexOf(FeedbackFields, argument) >= 0 ? null : $"'{source}': feedback has no field '{argument}' (expected {string.Join(", ", FeedbackFields)})",
            "output" or "error" => stepIds(argument) ? null : $"'{source}' names unknown step '{argument}'",
            _ => $"'{source}' is not an input source (expected goal, input, last_output, data, data.KEY, steps.STEP.output, steps.STEP.error, feedback or feedback.FIELD)",
        };
    }

    /// <summary>The kind of a source and its argument: a data key, a feedback field or a step id.</summary>
    private static (string Kind, string Argument) Parse(string source)
    {
        if (source is "goal" or "input" or "last_output" or "data" or "feedback")
        {
            return (source, string.Empty);
        }

        foreach (var prefix in (string[])["data.", "feedback."])
        {
            if (source.StartsWith(prefix, StringComparison.Ordinal) && source.Length > prefix.Length)
            {
                return (prefix, source[prefix.Length..]);
            }
        }

        if (source.StartsWith("steps.", StringComparison.Ordinal))
        {
            foreach (var field in (string[])["output", "error"])
            {
                if (source.EndsWith("." + field, StringComparison.Ordinal) && source.Length > "steps.".Length + field.Length + 1)
                {
                    return (field, source["steps.".Length..^(field.Length + 1)]);
                }
            }
        }

        return (string.Empty, string.Empty);
    }

    /// <summary>Builds the input object of <paramref name="map"/> from the run as <paramref name="context"/> shows it.</summary>
    internal static JsonElement Evaluate(IReadOnlyDictionary<string, string> map, WorkflowContext context, string stepId, int visit)
    {
        var value = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (name, source) in map.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            value[name] = Read(source, context, stepId, visit);
        }

        return KeelJson.Normalize(value);
    }

    private static JsonElement? Read(string source, WorkflowContext context, string stepId, int visit)
    {
        var (kind, argument) = Parse(source);
        var feedback = context.Feedback;
        return kind switch
        {
            "goal" => context.GoalElement,
            "input" => Orchestrator.DefaultInput(context, stepId, visit),
            "last_output" => context.GetLastOutput(),
            "data" => KeelJson.Normalize(context.Data.Snapshot()),
            "data." => context.Data.Snapshot().TryGetValue(argument, out var item) ? item : null,
            "feedback" or "feedback." when feedback is null => null,
            "feedback" => KeelJson.Normalize(feedback.ToJsonObject()),
            "feedback." => argument switch
            {
                "from_step" => KeelJson.Normalize(feedback.FromStep),
                "outcome" => KeelJson.Normalize(StableNames.Of(feedback.Outcome)),
                "label" => feedback.Label is { } label ? KeelJson.Normalize(label) : null,
                "error" => feedback.Error is { } error ? KeelJson.Normalize(error) : null,
                "output" => feedback.Output,
                _ => feedback.PreviousOutput,
            },
            "output" or "error" => Last(context.MutableHistory, argument, kind == "error"),
            _ => null,
        };
    }

    private static JsonElement? Last(IReadOnlyList<HistoryEntry> history, string stepId, bool error)
    {
        for (var i = history.Count - 1; i >= 0; i--)
        {
            var entry = history[i];
            if (!string.Equals(entry.StepId, stepId, StringComparison.Ordinal))
            {
                continue;
            }

            if (error && entry.Error is { } text)
            {
                return KeelJson.Normalize(text);
            }

            if (!error && entry.Outcome == AttemptOutcome.Succeeded)
            {
                return entry.Output;
            }
        }

        return null;
    }
}
