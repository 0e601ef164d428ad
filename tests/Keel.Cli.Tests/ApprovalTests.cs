using System.Text.Json;

namespace Keel.Cli.Tests;

public sealed class ApprovalTests : IDisposable
{
    private readonly TempFolder _folder = new();

    private static string Approval => Path.Combine(KeelProcess.Examples, "approval.yaml");

    [Fact]
    public async Task Run_ParksAtApproval_ExitsThree_ThenApproveCompletes()
    {
        var run = await KeelProcess.RunAsync(_folder.Path, "run", Approval);

        Assert.True(run.ExitCode == 3, run.ToString());
        var runId = RunCommandTests.RunIdIn(run.Out);
        Assert.Contains($"keel approve {runId} sign_off", run.Out, StringComparison.Ordinal);

        var waiting = await KeelProcess.RunAsync(_folder.Path, "runs", "--state", "waiting_for_approval");
        Assert.Contains(runId, waiting.Out, StringComparison.Ordinal);
        var shown = await KeelProcess.RunAsync(_folder.Path, "show", runId);
        Assert.Contains("Prompt    Are these release notes ready to publish?", shown.Out, StringComparison.Ordinal);

        var approve = await KeelProcess.RunAsync(_folder.Path, "approve", runId[..8], "sign_off", "--by", "ana", "--comment", "ship it", "--json");

        Assert.True(approve.ExitCode == 0, approve.ToString());
        using var document = JsonDocument.Parse(approve.Out);
        Assert.Equal("completed", document.RootElement.GetProperty("state").GetString());
        var decision = document.RootElement.GetProperty("history").EnumerateArray().Single(e => e.GetProperty("step_id").GetString() == "sign_off");
        Assert.Equal("approved", decision.GetProperty("outcome").GetString());
        Assert.Equal("ana", decision.GetProperty("worker_name").GetString());
    }

    [Fact]
    public async Task Reject_SendsTheRunBackAlongOnFailure_AndCancelEndsIt()
    {
        var run = await KeelProcess.RunAsync(_folder.Path, "run", Approval);
        var runId = RunCommandTests.RunIdIn(run.Out);

        var missingComment = await KeelProcess.RunAsync(_folder.Path, "reject", runId, "sign_off");
        Assert.Equal(2, missingComment.ExitCode);

        var reject = await KeelProcess.RunAsync(_folder.Path, "reject", runId, "sign_off", "--comment", "too vague");
        Assert.True(reject.ExitCode == 3, reject.ToString());
        Assert.Contains("draft", reject.Out, StringComparison.Ordinal);

        var wrongStep = await KeelProcess.RunAsync(_folder.Path, "approve", runId, "publish");
        Assert.Equal(2, wrongStep.ExitCode);
        Assert.Contains("is not waiting for approval at step 'publish'", wrongStep.Error, StringComparison.Ordinal);

        var cancel = await KeelProcess.RunAsync(_folder.Path, "cancel", runId, "--reason", "release dropped");
        Assert.True(cancel.ExitCode == 0, cancel.ToString());

        var show = await KeelProcess.RunAsync(_folder.Path, "show", runId, "--json");
        using var document = JsonDocument.Parse(show.Out);
        Assert.Equal("cancelled", document.RootElement.GetProperty("state").GetString());
        var outcomes = document.RootElement.GetProperty("history").EnumerateArray().Select(e => e.GetProperty("outcome").GetString());
        Assert.Equal(["succeeded", "rejected", "succeeded", "cancelled"], outcomes);
    }

    [Fact]
    public async Task Show_UnknownRun_ExitsTwo()
    {
        await KeelProcess.RunAsync(_folder.Path, "run", Approval);

        var show = await KeelProcess.RunAsync(_folder.Path, "show", "ffffffff");

        Assert.Equal(2, show.ExitCode);
        Assert.Contains("no run 'ffffffff'", show.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Approve_ARunWhoseNextStepIsASubWorkflow_RunsTheChildFromItsFile()
    {
        _folder.Write("child.yaml", """
            name: child
            workers:
              c1: { kind: command, command: /bin/sh, args: ["-c", "cat >/dev/null; printf '{\"c\":1}'"] }
            steps:
              - { id: one, worker: c1 }
            """);
        var parent = _folder.Write("parent.yaml", """
            name: parent
            goal: G
            workers:
              p: { kind: command, command: /bin/sh, args: ["-c", "cat >/dev/null; printf '{\"p\":1}'"] }
            steps:
              - { id: gate, approval: "go?", on_success: build }
              - { id: build, sub_workflow: child, on_success: ship }
              - { id: ship, worker: p }
            """);
        var run = await KeelProcess.RunAsync(_folder.Path, "run", parent);
        Assert.True(run.ExitCode == 3, run.ToString());
        var runId = RunCommandTests.RunIdIn(run.Out);

        var approve = await KeelProcess.RunAsync(_folder.Path, "approve", runId, "gate");

        Assert.True(approve.ExitCode == 0, approve.ToString());
        Assert.Contains("Completed", approve.Out, StringComparison.Ordinal);
        var child = await KeelProcess.RunAsync(_folder.Path, "show", runId + ":build:1:1");
        Assert.Contains("completed", child.Out, StringComparison.OrdinalIgnoreCase);
    }

    public void Dispose() => _folder.Dispose();
}
