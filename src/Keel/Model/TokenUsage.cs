namespace Keel;

/// <summary>Model usage of one attempt, reported by AI workers through <see cref="WorkflowContext.ReportUsage"/>.</summary>
public sealed record TokenUsage(long InputTokens, long OutputTokens, string? Model = null, decimal? Cost = null)
{
    public long TotalTokens => InputTokens + OutputTokens;

    public TokenUsage Add(TokenUsage other) => new(
        InputTokens + other.InputTokens,
        OutputTokens + other.OutputTokens,
        Model ?? other.Model,
        Cost is null && other.Cost is null ? null : (Cost ?? 0) + (other.Cost ?? 0));
}
