namespace Keel;

/// <summary>
/// How a plan was made: the planner, its fingerprint, the model and prompt hash (LLM planners), why this
/// plan (the template and matched words of the catalog planner), and every proposal with its problems.
/// </summary>
public sealed record PlanningRecord
{
    /// <summary>The name of the planner that made the plan (<c>catalog</c>, <c>llm</c>, ...).</summary>
    public required string Planner { get; init; }

    /// <summary>The planner's fingerprint: it changes when the planner's templates, model or instructions do, so a cached plan is reused only by the same planner.</summary>
    public required string Fingerprint { get; init; }

    /// <summary>The model that proposed the plan, when a model did.</summary>
    public string? Model { get; init; }

    /// <summary>SHA-256 (hex) of the prompt the model was given (instructions, allowlist and goal), when a model was asked.</summary>
    public string? PromptHash { get; init; }

    /// <summary>Why this plan, in a sentence.</summary>
    public string Explanation { get; init; } = string.Empty;

    /// <summary>The catalog template chosen, when a catalog planner chose one.</summary>
    public string? Template { get; init; }

    /// <summary>The goal's words that matched the template's keywords.</summary>
    public IReadOnlyList<string> MatchedWords { get; init; } = [];

    /// <summary>Every proposal in order, with the problems validation found in it (empty for the accepted one).</summary>
    public IReadOnlyList<PlanProposal> Proposals { get; init; } = [];
}

/// <summary>One proposal a planner made: its number (1 first), its text and the problems found in it.</summary>
public sealed record PlanProposal(int Number, string Text, IReadOnlyList<string> Problems);
