namespace Keel.Tests.Model;

public sealed class StableNamesTests
{
    [Theory]
    [InlineData(WorkflowState.Pending, "pending")]
    [InlineData(WorkflowState.Running, "running")]
    [InlineData(WorkflowState.WaitingForApproval, "waiting_for_approval")]
    [InlineData(WorkflowState.Completed, "completed")]
    [InlineData(WorkflowState.Failed, "failed")]
    [InlineData(WorkflowState.Cancelled, "cancelled")]
    public void State_HasItsRecordedName_AndParsesBack(WorkflowState state, string name)
    {
        Assert.Equal(name, StableNames.Of(state));
        Assert.True(StableNames.TryParse(name, out WorkflowState parsed));
        Assert.Equal(state, parsed);
    }

    [Theory]
    [InlineData(AttemptOutcome.Succeeded, "succeeded")]
    [InlineData(AttemptOutcome.Failed, "failed")]
    [InlineData(AttemptOutcome.InvalidOutput, "invalid_output")]
    [InlineData(AttemptOutcome.TimedOut, "timed_out")]
    [InlineData(AttemptOutcome.Cancelled, "cancelled")]
    [InlineData(AttemptOutcome.Approved, "approved")]
    [InlineData(AttemptOutcome.Rejected, "rejected")]
    public void Outcome_HasItsRecordedName_AndParsesBack(AttemptOutcome outcome, string name)
    {
        Assert.Equal(name, StableNames.Of(outcome));
        Assert.True(StableNames.TryParse(name, out AttemptOutcome parsed));
        Assert.Equal(outcome, parsed);
    }

    [Fact]
    public void EveryEnumValue_HasAName_AndUnknownNamesDoNotParse()
    {
        Assert.All(Enum.GetValues<WorkflowState>(), s => Assert.False(string.IsNullOrEmpty(StableNames.Of(s))));
        Assert.All(Enum.GetValues<AttemptOutcome>(), o => Assert.False(string.IsNullOrEmpty(StableNames.Of(o))));
        Assert.False(StableNames.TryParse("Completed", out WorkflowState _));
        Assert.False(StableNames.TryParse("done", out AttemptOutcome _));
    }
}
