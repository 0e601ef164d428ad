using System.Text.Json;

namespace Keel;

/// <summary>
/// Why a step was entered again: the step that sent the run here along a failure path or an outcome
/// label, with that step's error and output, and this step's own previous output. Read it from
/// <see cref="WorkflowContext.Feedback"/>; a step without an input transformer also gets it in its
/// default input (see docs/concepts.md, "Feedback on a loop-back").
/// </summary>
public sealed record Feedback
{
    /// <summary>The step whose outcome sent the run here.</summary>
    public required string FromStep { get; init; }

    /// <summary>The sender's outcome: a failure, a rejection, or a success routed by <see cref="Label"/>.</summary>
    public required AttemptOutcome Outcome { get; init; }

    /// <summary>The outcome label that routed here, when a label did.</summary>
    public string? Label { get; init; }

    /// <summary>The sender's error (a failed attempt's reason, a rejection's comment), or null.</summary>
    public string? Error { get; init; }

    /// <summary>The sender's output (a review's comments), or null when it produced none.</summary>
    public JsonElement? Output { get; init; }

    /// <summary>This step's own output on its previous visit, or null on a first visit.</summary>
    public JsonElement? PreviousOutput { get; init; }

    /// <summary>The feedback as the JSON object a default input carries (snake case, nulls left out).</summary>
    internal Dictionary<string, object?> ToJsonObject()
    {
        var value = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["from_step"] = FromStep,
            ["outcome"] = StableNames.Of(Outcome),
        };
        if (Label is not null)
        {
            value["label"] = Label;
        }

        if (Error is not null)
        {
            value["error"] = Error;
        }

        if (Output is { } output)
        {
            value["output"] = output;
        }

        return value;
    }

    /// <summary>
    /// The feedback for a visit of <paramref name="step"/>: found from the history alone (the entry
    /// that routed here), so a resumed run and a replay see the same. Null on a forward success path.
    /// </summary>
    internal static Feedback? Find(CompiledWorkflow workflow, List<HistoryEntry> history, WorkflowStep step, int visit)
    {
        HistoryEntry? sender = null;
        for (var i = history.Count - 1; i >= 0; i--)
        {
            var entry = history[i];
            if ((entry.Visit == visit && SameStep(entry.StepId, step.StepId)) || IsPartOf(entry.StepId, step.StepId))
            {
                continue;
            }

            sender = entry;
            break;
        }

        if (sender is null || !string.Equals(sender.NextStep, step.StepId, StringComparison.Ordinal))
        {
            return null;
        }

        string? label = null;
        if (sender.Outcome.IsSuccess())
        {
            // A success sends feedback only along a label route.
            if (!workflow.HasLabelSteps)
            {
                return null;
            }

            var index = workflow.TryIndexOf(sender.StepId);
            if (index < 0 || !workflow.Steps[index].HasLabels)
            {
                return null;
            }

            label = Router.Label(workflow.Steps[index], sender.Output, out _);
        }

        return new Feedback
        {
            FromStep = sender.StepId,
            Outcome = sender.Outcome,
            Label = label,
            Error = sender.Error,
            Output = sender.Output.ValueKind == JsonValueKind.Undefined ? null : sender.Output,
            PreviousOutput = PreviousOutputOf(history, step.StepId, visit),
        };
    }

    /// <summary>The input of the step's previous visit, the base of a feedback visit's default input.</summary>
    internal static JsonElement? PreviousInputOf(List<HistoryEntry> history, string stepId, int visit)
    {
        for (var i = history.Count - 1; i >= 0; i--)
        {
            var entry = history[i];
            if (entry.Visit < visit && string.Equals(entry.StepId, stepId, StringComparison.Ordinal) && entry.Input.ValueKind != JsonValueKind.Undefined)
            {
                return entry.Input;
            }
        }

        return null;
    }

    private static JsonElement? PreviousOutputOf(List<HistoryEntry> history, string stepId, int visit)
    {
        for (var i = history.Count - 1; i >= 0; i--)
        {
            var entry = history[i];
            if (entry.Visit < visit && entry.Outcome == AttemptOutcome.Succeeded && string.Equals(entry.StepId, stepId, StringComparison.Ordinal))
            {
                return entry.Output;
            }
        }

        return null;
    }

    /// <summary>
    /// Ordinal equality of two step ids, told apart first by their last character: ids that differ only in a
    /// numeric suffix (<c>step_041</c>, <c>step_042</c>) are common, and this runs once per attempt.
    /// </summary>
    private static bool SameStep(string a, string b)
        => ReferenceEquals(a, b) || (a.Length == b.Length && (a.Length == 0 || a[^1] == b[^1]) && string.Equals(a, b, StringComparison.Ordinal));

    /// <summary>True for "step/branch" ids of <paramref name="stepId"/> (its branches' and items' entries), without building "step/".</summary>
    private static bool IsPartOf(string entryStepId, string stepId)
        => entryStepId.Length > stepId.Length && entryStepId[stepId.Length] == '/' && entryStepId.StartsWith(stepId, StringComparison.Ordinal);
}
