namespace Keel;

/// <summary>
/// A workflow: a name, a description, a goal and the steps of its state machine. Build it with
/// <see cref="AddStep"/> (which returns the definition, so calls chain); the orchestrator validates it
/// when it is registered and runs an immutable snapshot of it.
/// </summary>
public sealed class WorkflowDefinition
{
    private readonly List<WorkflowStep> _steps = [];

    /// <summary>An empty workflow named <paramref name="name"/>; add steps with <see cref="AddStep"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> is null.</exception>
    public WorkflowDefinition(string name, string description = "", string goal = "")
    {
        ArgumentNullException.ThrowIfNull(name);
        Name = name;
        Description = description;
        Goal = goal;
    }

    /// <summary>The workflow's name, the key it is registered and recorded under.</summary>
    public string Name { get; }

    /// <summary>What the workflow does, for people and planners.</summary>
    public string Description { get; set; }

    /// <summary>The default goal of a run when none is given.</summary>
    public string Goal { get; set; }

    /// <summary>The id of the step a run starts at.</summary>
    public string? InitialStep { get; set; }

    /// <summary>
    /// Most step visits one run may make (its step budget) before it ends as failed: this bounds
    /// loops back. When not set: 10 visits a step, at least 100.
    /// </summary>
    public int? MaxSteps { get; set; }

    /// <summary>The steps in the order they were added. Runs start at <see cref="InitialStep"/>, which must be set (<c>AddStep(step, isInitial: true)</c>): the first step is not taken for it.</summary>
    public IReadOnlyList<WorkflowStep> Steps => _steps;

    /// <summary>The budget that applies: <see cref="MaxSteps"/> or the default.</summary>
    public int EffectiveMaxSteps => MaxSteps ?? Math.Max(100, 10 * _steps.Count);

    /// <summary>Adds a step; <paramref name="isInitial"/> makes it the step runs start at.</summary>
    public WorkflowDefinition AddStep(WorkflowStep step, bool isInitial = false)
    {
        ArgumentNullException.ThrowIfNull(step);
        _steps.Add(step);
        if (isInitial)
        {
            InitialStep = step.StepId;
        }

        return this;
    }

    /// <summary>Finds a step by id, or null.</summary>
    public WorkflowStep? GetStep(string stepId)
    {
        foreach (var step in _steps)
        {
            if (string.Equals(step.StepId, stepId, StringComparison.Ordinal))
            {
                return step;
            }
        }

        return null;
    }

    /// <summary>Every problem in the definition (empty when it is valid).</summary>
    public IReadOnlyList<ValidationProblem> Validate() => WorkflowValidator.Validate(this);

    /// <summary>Throws <see cref="WorkflowValidationException"/> listing every problem, if there is any.</summary>
    public void EnsureValid()
    {
        var problems = Validate();
        if (problems.Count > 0)
        {
            throw new WorkflowValidationException(Name, problems);
        }
    }

    /// <summary>A copy with the same steps (transformer delegates included).</summary>
    public WorkflowDefinition Clone()
    {
        var copy = new WorkflowDefinition(Name, Description, Goal) { InitialStep = InitialStep, MaxSteps = MaxSteps };
        copy._steps.AddRange(_steps);
        return copy;
    }
}
