using Keel.Tests.Fakes;

namespace Keel.Tests.Storage;

/// <summary>Forking a stored run from one of its committed attempts.</summary>
public sealed class ForkTests : DurableRunTestBase
{
    [Fact]
    public async Task ForkAsync_FromACommittedAttempt_CopiesThePrefixAndRerunsFromThere()
    {
        var process = Process("p");
        process.ProductManager.OnCall = (_, context) =>
        {
            context.Data["spec_version"] = 1;
            return "specs";
        };
        var coderRuns = 0;
        process.Coder.OnCall = (_, context) =>
        {
            coderRuns++;
            context.Data["coder_run"] = coderRuns;
            return "code #" + coderRuns + " with spec " + context.Data.Get<int>("spec_version");
        };
        var original = await process.Orchestrator.ExecuteWorkflowAsync("build_website", "Portfolio");

        var fork = await process.Orchestrator.ForkAsync(original.RunId, 1, data: new Dictionary<string, object?> { ["tone"] = "formal" });

        Assert.Equal(WorkflowState.Completed, fork.State);
        Assert.NotEqual(original.RunId, fork.RunId);
        Assert.Equal(1, process.ProductManager.CallCount);
        Assert.Equal(2, process.Coder.CallCount);
        Assert.Equal(3, fork.History.Count);
        Assert.Equal(original.History[0] with { RunId = fork.RunId }, fork.History[0]);
        Assert.Equal("code #2 with spec 1", fork.History[1].Output.GetString());
        Assert.Equal(2, fork.Data["coder_run"].GetInt32());
        Assert.Equal("formal", fork.Data["tone"].GetString());
        Assert.All(fork.History, e => Assert.Equal(fork.RunId, e.RunId));
        var record = await process.Orchestrator.GetRunAsync(fork.RunId);
        Assert.Equal((original.RunId, 1), (record.ParentRunId, record.ParentSequence));
        Assert.Equal(3, (await process.Orchestrator.GetResultAsync(original.RunId)).History.Count);
    }

    [Fact]
    public async Task ForkAsync_SequenceOutOfRange_IsRefusedNamingTheRun()
    {
        var process = Process("p");
        var original = await process.Orchestrator.ExecuteWorkflowAsync("build_website", "g");

        var error = await Assert.ThrowsAsync<KeelException>(() => process.Orchestrator.ForkAsync(original.RunId, 3));

        Assert.Contains(original.RunId, error.Message, StringComparison.Ordinal);
        Assert.Contains("#3", error.Message, StringComparison.Ordinal);
    }
}
