namespace Keel.Cli.Tests;

/// <summary>The example workflow files of the routing constructs, run by the keel command.</summary>
public sealed class ConstructExampleTests
{
    [Theory]
    [InlineData("code-review.yaml", "reviews/performance")]
    [InlineData("pages.yaml", "write_pages/2")]
    [InlineData("release.yaml", "build")]
    public async Task Run_ConstructExample_Completes(string file, string unitStep)
    {
        using var temp = new TempFolder();
        var result = await KeelProcess.RunAsync(temp.Path, "run", Path.Combine(KeelProcess.Examples, file), "--store", Path.Combine(temp.Path, "runs.db"));

        Assert.True(result.ExitCode == 0, result.Out + result.Error);
        Assert.Contains(unitStep, result.Out + result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_SubWorkflowExample_RunsTheChildRunFromTheFileBesideIt()
    {
        using var temp = new TempFolder();
        var store = Path.Combine(temp.Path, "runs.db");
        var result = await KeelProcess.RunAsync(temp.Path, "run", Path.Combine(KeelProcess.Examples, "release.yaml"), "--store", store);

        Assert.True(result.ExitCode == 0, result.Out + result.Error);
        var runId = System.Text.RegularExpressions.Regex.Match(result.Out, @"\(run ([0-9a-f]+)\)").Groups[1].Value;
        Assert.NotEmpty(runId);
        var child = await KeelProcess.RunAsync(temp.Path, "show", runId + ":build:1:1", "--store", store);
        Assert.True(child.ExitCode == 0, child.Out + child.Error);
        Assert.Contains("checked-build", child.Out, StringComparison.Ordinal);
        Assert.Contains("State     completed", child.Out, StringComparison.Ordinal);
        Assert.Contains("check", child.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replay_SubWorkflowRuns_ParentAndChildReplayed_AndAChangedRouteAfterTheChildIsReported()
    {
        using var temp = new TempFolder();
        var store = Path.Combine(temp.Path, "runs.db");
        var run = await KeelProcess.RunAsync(temp.Path, "run", Path.Combine(KeelProcess.Examples, "release.yaml"), "--store", store);
        Assert.True(run.ExitCode == 0, run.Out + run.Error);
        var runId = System.Text.RegularExpressions.Regex.Match(run.Out, @"\(run ([0-9a-f]+)\)").Groups[1].Value;

        var parent = await KeelProcess.RunAsync(temp.Path, "replay", "--definition", Path.Combine(KeelProcess.Examples, "release.yaml"), "--store", store);
        var child = await KeelProcess.RunAsync(temp.Path, "replay", "--definition", Path.Combine(KeelProcess.Examples, "checked-build.yaml"), "--store", store);
        File.Copy(Path.Combine(KeelProcess.Examples, "checked-build.yaml"), Path.Combine(temp.Path, "checked-build.yaml"));
        var edited = Path.Combine(temp.Path, "release.yaml");
        File.WriteAllText(edited, File.ReadAllText(Path.Combine(KeelProcess.Examples, "release.yaml"))
            .Replace("    on_success: ship\n", "    on_success: sign\n", StringComparison.Ordinal)
            + "  - id: sign\n    worker: planner\n    on_success: ship\n");
        var changed = await KeelProcess.RunAsync(temp.Path, "replay", "--definition", edited, "--store", store);

        Assert.True(parent.ExitCode == 0, parent.ToString());
        Assert.Matches($@"{runId}\s+same path \(3 entries\)", parent.Out);
        Assert.True(child.ExitCode == 0, child.ToString());
        Assert.Matches($@"{runId}:build:1:1\s+same path", child.Out);
        Assert.True(changed.ExitCode == 1, changed.ToString());
        Assert.Contains($"{runId}  diverges at step 'build' (entry 1)", changed.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_CheckerSendsBack_TheCommandWorkerLearnsWhyThroughItsInputMapping()
    {
        using var temp = new TempFolder();
        var store = Path.Combine(temp.Path, "runs.db");
        var run = await KeelProcess.RunAsync(temp.Path, "run", Path.Combine(KeelProcess.Examples, "checker-loop.yaml"), "--store", store, "--json");

        Assert.True(run.ExitCode == 0, run.Out + run.Error);
        using var result = System.Text.Json.JsonDocument.Parse(run.Out);
        var show = await KeelProcess.RunAsync(temp.Path, "show", result.RootElement.GetProperty("run_id").GetString()!, "--store", store, "--json", "--outputs");
        Assert.True(show.ExitCode == 0, show.Out + show.Error);
        using var document = System.Text.Json.JsonDocument.Parse(show.Out);
        var makes = document.RootElement.GetProperty("history").EnumerateArray().Where(e => e.GetProperty("step_id").GetString() == "make").ToArray();
        Assert.Equal(2, makes.Length);
        var first = makes[0].GetProperty("output").GetProperty("input");
        Assert.Equal(("Write version 1 of the parser", System.Text.Json.JsonValueKind.Null), (first.GetProperty("task").GetString(), first.GetProperty("why").ValueKind));
        var second = makes[1].GetProperty("output").GetProperty("input");
        Assert.Contains("v1 is wrong: add tests", second.GetProperty("why").GetString(), StringComparison.Ordinal);
        Assert.Equal("check", second.GetProperty("sent_back_by").GetString());

        // The README shows this file's steps as they are.
        var file = File.ReadAllText(Path.Combine(KeelProcess.Examples, "checker-loop.yaml"));
        var readme = File.ReadAllText(Path.Combine(KeelProcess.RepositoryRoot, "README.md"));
        Assert.Contains(file[file.IndexOf("steps:\n", StringComparison.Ordinal)..].TrimEnd(), readme, StringComparison.Ordinal);
    }
}
