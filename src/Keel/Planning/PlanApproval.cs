namespace Keel;

/// <summary>Who approved a plan's definition (by its hash) and when. A hash is approved once.</summary>
public sealed record PlanApproval(string ApprovedBy, DateTimeOffset ApprovedAt, string? Comment = null);
