namespace Keel;

/// <summary>Model usage of one attempt, reported by AI workers through <see cref="WorkflowContext.ReportUsage"/>.</summary>
public sealed record TokenUsage(long InputTokens, long OutputTokens, string? Model = null, decimal? Cost = null)
{
    /// <summary>Input and output tokens together.</summary>
    public long TotalTokens => InputTokens + OutputTokens;

    /// <summary>The sum of this usage and <paramref name="other"/>: tokens and costs add (null only when both costs are), the first known model is kept.</summary>
    public TokenUsage Add(TokenUsage other) => new(
        InputTokens + other.InputTokens,
        OutputTokens + other.OutputTokens,
        Model ?? other.Model,
        Cost is null && other.Cost is null ? null : (Cost ?? 0) + (other.Cost ?? 0));
}
