namespace Keel;

/// <summary>An immutable, validated snapshot of a definition with targets resolved to indices (the hot path's form).</summary>
internal sealed class CompiledWorkflow
{
    public const int CompleteIndex = -1;
    public const int FailedIndex = -2;

    /// <summary>Steps up to this many are found by a scan of their ids; longer workflows by a dictionary.</summary>
    private const int ScanLimit = 8;

    private readonly Dictionary<string, int>? _index;

    private CompiledWorkflow(WorkflowDefinition definition, WorkflowStep[] steps, int[] onSuccess, int[] onFailure, Dictionary<string, int>?[] onLabel, int initial, string json, Dictionary<string, int> index)
    {
        _index = steps.Length > ScanLimit ? index : null;
        HasLabelSteps = Array.Exists(steps, s => s.HasLabels);
        HasApprovalSteps = Array.Exists(steps, s => s.Kind == StepKind.Approval);
        HistoryCapacity = Math.Clamp(steps.Length, 1, MaxInitialHistory);
        OnLabel = onLabel;
        Definition = definition;
        Steps = steps;
        OnSuccess = onSuccess;
        OnFailure = onFailure;
        Initial = initial;
        Json = json;
        Hash = WorkflowDefinitionJson.Hash(json);
        MaxSteps = definition.EffectiveMaxSteps;
        BranchIds = Array.ConvertAll(steps, static s => s.Kind == StepKind.Parallel ? s.Branches!.Select(b => FanOutUnit.IdOf(s.StepId, b.Name)).ToArray() : null);
    }

    /// <summary>Per step: a parallel step's branches as their units are recorded (<c>{step}/{branch}</c>), in order; null for any other step.</summary>
    public string[]?[] BranchIds { get; }

    public WorkflowDefinition Definition { get; }

    public string Name => Definition.Name;

    public WorkflowStep[] Steps { get; }

    public int[] OnSuccess { get; }

    public int[] OnFailure { get; }

    /// <summary>Per step: its labels' target indices, or null when the step has no labels.</summary>
    public Dictionary<string, int>?[] OnLabel { get; }

    public int Initial { get; }

    public int MaxSteps { get; }

    public string Json { get; }

    public string Hash { get; }

    /// <summary>True when some step waits for a person's decision.</summary>
    public bool HasApprovalSteps { get; }

    /// <summary>The history's starting capacity: one entry per step (up to <see cref="MaxInitialHistory"/>), so a pass through the workflow never grows the list.</summary>
    public int HistoryCapacity { get; }

    /// <summary>The most entries a fresh run's history is sized for before its first attempt.</summary>
    public const int MaxInitialHistory = 128;

    /// <summary>True when some step routes by outcome labels.</summary>
    public bool HasLabelSteps { get; }

    public static CompiledWorkflow Compile(WorkflowDefinition source)
    {
        source.EnsureValid();
        var definition = source.Clone();
        var steps = definition.Steps.ToArray();
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < steps.Length; i++)
        {
            index[steps[i].StepId] = i;
        }

        var onSuccess = new int[steps.Length];
        var onFailure = new int[steps.Length];
        var onLabel = new Dictionary<string, int>?[steps.Length];
        for (var i = 0; i < steps.Length; i++)
        {
            onSuccess[i] = Resolve(steps[i].OnSuccess, index);
            onFailure[i] = steps[i].OnFailure is { } failure ? Resolve(failure, index) : FailedIndex;
            if (steps[i].HasLabels)
            {
                var labels = new Dictionary<string, int>(StringComparer.Ordinal);
                foreach (var (label, target) in steps[i].OnLabel!)
                {
                    labels[label] = Resolve(target, index);
                }

                onLabel[i] = labels;
            }
        }

        return new CompiledWorkflow(definition, steps, onSuccess, onFailure, onLabel, index[definition.InitialStep!], WorkflowDefinitionJson.Serialize(definition), index);
    }

    /// <summary>The index of a step or terminal target; <see cref="int.MinValue"/> when unknown.</summary>
    public int TryIndexOf(string stepId)
        => StepIndex(stepId) is var index and >= 0 ? index : stepId switch
        {
            WorkflowStep.Complete => CompleteIndex,
            WorkflowStep.Failed => FailedIndex,
            _ => int.MinValue,
        };

    public int IndexOf(string stepId)
        => TryIndexOf(stepId) is var index and not int.MinValue ? index : throw new KeelException($"Workflow '{Name}' has no step '{stepId}'.");

    /// <summary>The index of the step <paramref name="stepId"/> names, or -1: a scan in a short workflow, the dictionary in a long one.</summary>
    private int StepIndex(string stepId)
    {
        if (_index is not null)
        {
            return _index.TryGetValue(stepId, out var found) ? found : -1;
        }

        for (var i = 0; i < Steps.Length; i++)
        {
            if (string.Equals(Steps[i].StepId, stepId, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    public string TargetName(int target) => target switch
    {
        CompleteIndex => WorkflowStep.Complete,
        FailedIndex => WorkflowStep.Failed,
        _ => Steps[target].StepId,
    };

    private static int Resolve(string target, Dictionary<string, int> index) => target switch
    {
        WorkflowStep.Complete => CompleteIndex,
        WorkflowStep.Failed => FailedIndex,
        _ => index[target],
    };
}
