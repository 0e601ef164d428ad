using System.Text.Json;

namespace Keel.Cli.Tests;

/// <summary>keel replay over runs stored by earlier keel runs: no worker is called, the report says which runs would change path.</summary>
public sealed class ReplayCommandTests : IDisposable
{
    private readonly TempFolder _folder = new();

    [Fact]
    public async Task Replay_UnchangedDefinition_EveryRunTakesTheSamePath_ExitZero()
    {
        var (first, second) = await StoreTwoRunsAsync();
        var file = Path.Combine(KeelProcess.Examples, "build-website.yaml");

        var replay = await KeelProcess.RunAsync(_folder.Path, "replay", "--definition", file);

        Assert.True(replay.ExitCode == 0, replay.ToString());
        Assert.Contains("Replaying 2 stored runs of 'build_website'", replay.Out, StringComparison.Ordinal);
        Assert.Matches($@"{first}\s+same path \(5 entries\)", replay.Out);
        Assert.Matches($@"{second}\s+same path \(5 entries\)", replay.Out);
        Assert.Contains("No run would change path (2 replayed).", replay.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replay_ChangedFailurePath_ReportsWhereEachRunDiverges_ExitOne()
    {
        var (first, second) = await StoreTwoRunsAsync();
        var edited = _folder.Write("edited.yaml", File.ReadAllText(Path.Combine(KeelProcess.Examples, "build-website.yaml"))
            .Replace("on_failure: implement_code    # a failed review", "on_failure: failed    # a failed review", StringComparison.Ordinal));

        var replay = await KeelProcess.RunAsync(_folder.Path, "replay", "--definition", edited);

        Assert.True(replay.ExitCode == 1, replay.ToString());
        foreach (var runId in new[] { first, second })
        {
            Assert.Contains($"{runId}  diverges at step 'review_code' (entry 2): on_failure of review_code now goes to failed (was implement_code)", replay.Out, StringComparison.Ordinal);
        }

        Assert.Contains("now: create_specs#1.1 -> implement_code, implement_code#1.1 -> review_code, review_code#1.1 -> failed", replay.Out, StringComparison.Ordinal);
        Assert.Contains("2 of 2 runs would take another path.", replay.Out, StringComparison.Ordinal);

        var json = await KeelProcess.RunAsync(_folder.Path, "replay", "--definition", edited, "--json");
        Assert.True(json.ExitCode == 1, json.ToString());
        using var report = JsonDocument.Parse(json.Out);
        Assert.Equal(2, report.RootElement.GetProperty("changed").GetInt32());
        var run = report.RootElement.GetProperty("runs")[0];
        Assert.Equal("diverges", run.GetProperty("verdict").GetString());
        Assert.Equal("review_code", run.GetProperty("diverged_at_step").GetString());
        Assert.Equal(5, run.GetProperty("recorded_path").GetArrayLength());
        Assert.Equal(3, run.GetProperty("replayed_path").GetArrayLength());
    }

    [Fact]
    public async Task Replay_WorkflowOptionNamesTheStoredRuns_AndMoreRetriesNeedAnUnrecordedOutcome()
    {
        await StoreTwoRunsAsync();
        var edited = _folder.Write("retrying.yaml", File.ReadAllText(Path.Combine(KeelProcess.Examples, "build-website.yaml"))
            .Replace("name: build_website", "name: build_website_v2", StringComparison.Ordinal)
            .Replace("on_failure: implement_code    # a failed review sends the page back to the coder", "on_failure: implement_code\n    max_retries: 1", StringComparison.Ordinal));

        var unnamed = await KeelProcess.RunAsync(_folder.Path, "replay", "--definition", edited);
        var named = await KeelProcess.RunAsync(_folder.Path, "replay", "--definition", edited, "--workflow", "build_website");

        Assert.Equal(2, unnamed.ExitCode);
        Assert.Contains("there is no stored run of workflow 'build_website_v2'", unnamed.Error, StringComparison.Ordinal);
        Assert.True(named.ExitCode == 1, named.ToString());
        Assert.Contains("'review_code' now retries after attempt 1 (max_retries 1) where the run went to 'implement_code'", named.Out, StringComparison.Ordinal);
        Assert.Contains("then needs an outcome the run never recorded: step 'review_code' visit 1 attempt 2", named.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Replay_BadInput_ExitsTwo()
    {
        var file = Path.Combine(KeelProcess.Examples, "build-website.yaml");

        var noStore = await KeelProcess.RunAsync(_folder.Path, "replay", "--definition", file);
        var noDefinition = await KeelProcess.RunAsync(_folder.Path, "replay");
        var invalid = await KeelProcess.RunAsync(_folder.Path, "replay", "--definition", _folder.Write("bad.yaml", "name: x\nsteps: []\n"));

        Assert.Equal(2, noStore.ExitCode);
        Assert.Contains("there is no run store at", noStore.Error, StringComparison.Ordinal);
        Assert.Equal(2, noDefinition.ExitCode);
        Assert.Contains("--definition", noDefinition.Error, StringComparison.Ordinal);
        Assert.Equal(2, invalid.ExitCode);
        Assert.Contains("bad.yaml:2:8: field 'steps': the workflow has no steps", invalid.Error, StringComparison.Ordinal);
    }

    private async Task<(string First, string Second)> StoreTwoRunsAsync()
    {
        var file = Path.Combine(KeelProcess.Examples, "build-website.yaml");
        var first = await KeelProcess.RunAsync(_folder.Path, "run", file, "--goal", "A website for a bakery");
        var second = await KeelProcess.RunAsync(_folder.Path, "run", file, "--goal", "A website for a florist");
        Assert.True(first.ExitCode == 0 && second.ExitCode == 0, first + "\n" + second);
        return (RunCommandTests.RunIdIn(first.Out), RunCommandTests.RunIdIn(second.Out));
    }

    public void Dispose() => _folder.Dispose();
}
