using System.Text.Json;

namespace Keel.Cli.Tests;

/// <summary><c>keel runs --blocked</c>: runs whose workflow file changed since they started, with the ways out.</summary>
public sealed class BlockedRunsTests : IDisposable
{
    private readonly TempFolder _folder = new();

    /// <summary>Two steps; the second interrupts its own keel process (SIGINT) until stop.flag exists, so the run stays resumable at it.</summary>
    private static string Workflow(string goal) => $$"""
        name: deploy
        goal: {{goal}}
        workers:
          quick:
            kind: command
            command: /bin/sh
            args: ["-c", "cat > /dev/null; printf '{\"quick\":true}'"]
          stopper:
            kind: command
            command: /bin/sh
            args: ["-c", "cat > /dev/null; if [ -f stop.flag ]; then printf '{\"stopped\":false}'; else kill -INT $PPID; exec sleep 120; fi"]
        steps:
          - id: one
            worker: quick
            on_success: two
          - id: two
            worker: stopper
        """;

    [Fact]
    public async Task RunsBlocked_AfterTheWorkflowFileChanged_NamesEachRunItsHashAndTheChoices_ThenResumeOnTheNewDefinitionOrCancel()
    {
        var file = _folder.Write("deploy.yaml", Workflow("ship it"));
        var first = await KeelProcess.RunAsync(_folder.Path, "run", file);
        var second = await KeelProcess.RunAsync(_folder.Path, "run", file);
        Assert.True(first.ExitCode == 130, first.ToString());
        Assert.True(second.ExitCode == 130, second.ToString());
        var (one, two) = (RunCommandTests.RunIdIn(first.Out), RunCommandTests.RunIdIn(second.Out));

        var before = await KeelProcess.RunAsync(_folder.Path, "runs", "--blocked");
        Assert.True(before.ExitCode == 0, before.ToString());
        Assert.Contains("No run is blocked by a changed definition", before.Out, StringComparison.Ordinal);

        _folder.Write("deploy.yaml", Workflow("ship it, changed after a deploy"));
        var listed = await KeelProcess.RunAsync(_folder.Path, "runs", "--blocked");
        var asJson = await KeelProcess.RunAsync(_folder.Path, "runs", "--blocked", "--json");

        Assert.True(listed.ExitCode == 0, listed.ToString());
        Assert.Contains("2 run(s) blocked", listed.Out, StringComparison.Ordinal);
        foreach (var runId in new[] { one, two })
        {
            Assert.Contains($"{runId}  deploy  running at step 'two'", listed.Out, StringComparison.Ordinal);
            Assert.Contains($"keel resume {runId} --allow-definition-change", listed.Out, StringComparison.Ordinal);
            Assert.Contains($"keel cancel {runId}", listed.Out, StringComparison.Ordinal);
        }

        Assert.Contains("its workflow 'deploy' changed since it started", listed.Out, StringComparison.Ordinal);
        using (var document = JsonDocument.Parse(asJson.Out))
        {
            var runs = document.RootElement.EnumerateArray().ToArray();
            Assert.Equal(new[] { one, two }.Order(StringComparer.Ordinal), runs.Select(r => r.GetProperty("run_id").GetString()!).Order(StringComparer.Ordinal));
            var pinned = runs[0].GetProperty("pinned_hash").GetString()!;
            var current = runs[0].GetProperty("current_hash").GetString()!;
            Assert.Equal(64, pinned.Length);
            Assert.NotEqual(pinned, current);
            Assert.Contains($"pinned to   {pinned[..12]}", listed.Out, StringComparison.Ordinal);
            Assert.Contains(current[..12], listed.Out, StringComparison.Ordinal);
            Assert.Equal(3, runs[0].GetProperty("choices").GetArrayLength());
        }

        File.WriteAllText(_folder.File("stop.flag"), "stop");
        var resumed = await KeelProcess.RunAsync(_folder.Path, "resume", one, "--allow-definition-change", "--json");
        var cancelled = await KeelProcess.RunAsync(_folder.Path, "cancel", two, "--reason", "definition changed");

        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        using (var result = JsonDocument.Parse(resumed.Out))
        {
            Assert.Equal("completed", result.RootElement.GetProperty("state").GetString());
        }

        Assert.True(cancelled.ExitCode == 0, cancelled.ToString());
        var after = await KeelProcess.RunAsync(_folder.Path, "runs", "--blocked");
        Assert.Contains("No run is blocked by a changed definition", after.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunsBlocked_WithState_IsRefusedAsBadInput()
    {
        var result = await KeelProcess.RunAsync(_folder.Path, "runs", "--blocked", "--state", "running");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--blocked", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunsBlocked_ARunStoppedInsideASubWorkflow_IsListedByItsFilesTree_AndThePrefixNamesTheParent()
    {
        string Child(string step) => $$"""
            name: child
            workers:
              stopper:
                kind: command
                command: /bin/sh
                args: ["-c", "cat > /dev/null; if [ -f stop.flag ]; then printf '{\"stopped\":false}'; else kill -INT $PPID; exec sleep 120; fi"]
            steps:
              - id: {{step}}
                worker: stopper
            """;
        _folder.Write("child.yaml", Child("halt"));
        var parent = _folder.Write("parent.yaml", """
            name: parent
            goal: g
            workers:
              fin: { kind: command, command: /bin/sh, args: ["-c", "cat > /dev/null; printf '{}'"] }
            steps:
              - id: sub
                sub_workflow: child
                on_success: fin
              - id: fin
                worker: fin
            """);
        var run = await KeelProcess.RunAsync(_folder.Path, "run", parent);
        Assert.True(run.ExitCode == 130, run.ToString());
        var runId = RunCommandTests.RunIdIn(run.Out);

        // The parent's definition names the child workflow: listing needs the child registered, as keel worker has it.
        var unchanged = await KeelProcess.RunAsync(_folder.Path, "runs", "--blocked");
        _folder.Write("child.yaml", Child("halt_renamed"));
        var changed = await KeelProcess.RunAsync(_folder.Path, "runs", "--blocked", "--json");
        var shownByPrefix = await KeelProcess.RunAsync(_folder.Path, "show", runId[..8]);
        var child = await KeelProcess.RunAsync(_folder.Path, "show", runId + ":sub:1:1");

        Assert.True(unchanged.ExitCode == 0, unchanged.ToString());
        Assert.Contains("No run is blocked by a changed definition", unchanged.Out, StringComparison.Ordinal);
        Assert.True(changed.ExitCode == 0, changed.ToString());
        using (var document = JsonDocument.Parse(changed.Out))
        {
            Assert.Equal([runId + ":sub:1:1"], document.RootElement.EnumerateArray().Select(r => r.GetProperty("run_id").GetString()));
        }

        Assert.True(shownByPrefix.ExitCode == 0, shownByPrefix.ToString());
        Assert.Contains($"Run       {runId}{Environment.NewLine}", shownByPrefix.Out, StringComparison.Ordinal);
        Assert.Contains($"Workflow  child (a sub-workflow step of run {runId}, whose file is {parent})", child.Out, StringComparison.Ordinal);
    }

    public void Dispose() => _folder.Dispose();
}
