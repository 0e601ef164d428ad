using System.Text.Json;

namespace Keel.Cli.Tests;

public sealed class RunCommandTests : IDisposable
{
    private readonly TempFolder _folder = new();

    [Fact]
    public async Task Run_BuildWebsite_CompletesOnAFreshSqliteFile_ThenShowAndRunsReadIt()
    {
        var run = await KeelProcess.RunAsync(_folder.Path, "run", Path.Combine(KeelProcess.Examples, "build-website.yaml"), "--goal", "A website for a bakery");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.True(File.Exists(_folder.File("keel.db")), "the default store is keel.db in the current folder");
        Assert.Contains("Completed", run.Out, StringComparison.Ordinal);
        var runId = RunIdIn(run.Out);

        var show = await KeelProcess.RunAsync(_folder.Path, "show", runId);
        Assert.True(show.ExitCode == 0, show.ToString());
        Assert.Contains("State     completed", show.Out, StringComparison.Ordinal);
        var rows = show.Out.Split('\n').SkipWhile(l => !l.StartsWith("SEQ", StringComparison.Ordinal)).Skip(1).Where(l => l.Length > 0).ToArray();
        Assert.Equal(5, rows.Length);
        Assert.Matches(@"^2\s+review_code\s+reviewer\s+1\s+failed\s+", rows[2]);
        Assert.Matches(@"^4\s+review_code\s+reviewer\s+1 \(visit 2\)\s+succeeded\s+", rows[4]);

        var runs = await KeelProcess.RunAsync(_folder.Path, "runs", "--state", "completed");
        Assert.True(runs.ExitCode == 0, runs.ToString());
        Assert.Contains(runId, runs.Out, StringComparison.Ordinal);
        Assert.Contains("build_website", runs.Out, StringComparison.Ordinal);

        var none = await KeelProcess.RunAsync(_folder.Path, "runs", "--state", "failed");
        Assert.DoesNotContain(runId, none.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_Json_WritesOneParsableDocument()
    {
        var store = _folder.File("runs.db");
        var run = await KeelProcess.RunAsync(_folder.Path, "run", Path.Combine(KeelProcess.Examples, "ml-pipeline.yaml"), "--store", store, "--data", "threshold=0.85", "--data", "owner=ops", "--json");

        Assert.True(run.ExitCode == 0, run.ToString());
        using var document = JsonDocument.Parse(run.Out);
        var root = document.RootElement;
        Assert.Equal("completed", root.GetProperty("state").GetString());
        Assert.Equal("ml-pipeline", root.GetProperty("workflow").GetString());
        Assert.Equal(0, root.GetProperty("exit_code").GetInt32());
        Assert.Equal(
            ["collect_data", "engineer_features", "train_model", "validate_model", "engineer_features", "train_model", "validate_model", "deploy_model"],
            root.GetProperty("path").EnumerateArray().Select(e => e.GetString()));
        var failed = root.GetProperty("history").EnumerateArray().Single(e => e.GetProperty("outcome").GetString() == "failed");
        Assert.Contains("accuracy 0.62 is below the 0.85 threshold", failed.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal("http://localhost:8080/predict", root.GetProperty("final_output").GetProperty("endpoint").GetString());

        var show = await KeelProcess.RunAsync(_folder.Path, "show", root.GetProperty("run_id").GetString()!, "--store", store, "--json", "--outputs");
        using var shown = JsonDocument.Parse(show.Out);
        Assert.Equal(8, shown.RootElement.GetProperty("history").GetArrayLength());
        Assert.Equal(1200, shown.RootElement.GetProperty("history")[0].GetProperty("output").GetProperty("rows").GetInt32());
    }

    [Fact]
    public async Task Run_CommandWorkerWritesInvalidJsonOrExitsNonZero_AttemptFailsWithTheReason()
    {
        var file = _folder.Write("bad.yaml", """
            name: bad-output
            goal: try
            workers:
              talker:
                kind: command
                command: /bin/sh
                args: ["-c", "cat > /dev/null; echo 'not json'"]
              crasher:
                kind: command
                command: /bin/sh
                args: ["-c", "cat > /dev/null; echo 'disk full' >&2; exit 3"]
            steps:
              - id: talk
                worker: talker
                max_retries: 1
                on_failure: crash
              - id: crash
                worker: crasher
            """);

        var run = await KeelProcess.RunAsync(_folder.Path, "run", file, "--json");

        Assert.True(run.ExitCode == 1, run.ToString());
        using var document = JsonDocument.Parse(run.Out);
        var history = document.RootElement.GetProperty("history").EnumerateArray().ToArray();
        Assert.Equal(3, history.Length);
        Assert.Equal("invalid_output", history[0].GetProperty("outcome").GetString());
        Assert.Contains("wrote invalid JSON on stdout", history[0].GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Contains("not json", history[1].GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Contains("exited with code 3: disk full", history[2].GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal("failed", document.RootElement.GetProperty("state").GetString());
    }

    [Fact]
    public async Task Run_CommandWorker_ReadsTheStepInputAsJsonOnStdin()
    {
        var file = _folder.Write("echo.yaml", """
            name: echo
            workers:
              echo:
                kind: command
                command: /bin/sh
                args: ["-c", "cat"]
                env:
                  GREETING: hello
            steps:
              - id: first
                worker: echo
            """);

        var run = await KeelProcess.RunAsync(_folder.Path, "run", file, "--goal", "say hi", "--data", "n=3", "--json");

        Assert.True(run.ExitCode == 0, run.ToString());
        using var document = JsonDocument.Parse(run.Out);
        var output = document.RootElement.GetProperty("final_output");
        Assert.Equal("say hi", output.GetProperty("input").GetString());
        Assert.Equal("say hi", output.GetProperty("goal").GetString());
        Assert.Equal("first", output.GetProperty("step_id").GetString());
        Assert.Equal(1, output.GetProperty("attempt").GetInt32());
        Assert.Equal(3, output.GetProperty("data").GetProperty("n").GetInt32());
        Assert.False(output.GetProperty("data").TryGetProperty("_keel.file", out _));
    }

    [Fact]
    public async Task Run_LlmWorkerWithoutProvider_IsRefusedBeforeTheRunStarts()
    {
        var file = _folder.Write("llm.yaml", """
            name: llm-flow
            goal: summarise
            workers:
              writer:
                kind: llm
                instructions: Summarise the goal in one line.
                model: gpt-4o-mini
                output_schema:
                  type: object
                  required: [summary]
                  properties:
                    summary: { type: string }
            steps:
              - id: write
                worker: writer
            """);

        var validate = await KeelProcess.RunAsync(_folder.Path, "validate", file);
        var run = await KeelProcess.RunAsync(_folder.Path, "run", file);

        Assert.True(validate.ExitCode == 0, validate.ToString());
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("worker 'writer' is an llm worker, and no model provider is configured", run.Error, StringComparison.Ordinal);
        Assert.Contains("set KEEL_MODEL and OPENAI_API_KEY, or OLLAMA_HOST", run.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(_folder.File("keel.db")), "the run is refused before the store is opened");
    }

    [Fact]
    public async Task Run_InvalidFile_ExitsTwoWithoutCreatingAStore()
    {
        var file = _folder.Write("invalid.yaml", "name: x\nsteps: []\n");

        var run = await KeelProcess.RunAsync(_folder.Path, "run", file, "--goal", "g");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("invalid.yaml:2:8: field 'steps': the workflow has no steps", run.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(_folder.File("keel.db")));
    }

    [Fact]
    public async Task Run_CommandWorkerPastItsTimeout_IsKilledAndTheAttemptTimesOut()
    {
        var file = _folder.Write("timeout.yaml", """
            name: too-slow
            goal: wait
            workers:
              sleeper:
                kind: command
                command: /bin/sh
                args: ["-c", "cat > /dev/null; echo $$ > sleeper.pid; exec sleep 120"]
            steps:
              - id: nap
                worker: sleeper
                timeout: 2s
            """);

        var run = await KeelProcess.RunAsync(_folder.Path, "run", file, "--json");

        Assert.True(run.ExitCode == 1, run.ToString());
        using var document = JsonDocument.Parse(run.Out);
        var entry = Assert.Single(document.RootElement.GetProperty("history").EnumerateArray());
        Assert.Equal("timed_out", entry.GetProperty("outcome").GetString());
        var pid = File.ReadAllText(_folder.File("sleeper.pid")).Trim();
        var status = $"/proc/{pid}/status";
        Assert.True(!File.Exists(status) || File.ReadAllText(status).Contains("State:\tZ", StringComparison.Ordinal), "the timed-out process is no longer running");
    }

    [Fact]
    public async Task Runs_FiltersByWorkflow_AndRejectsAnUnknownState()
    {
        var website = await KeelProcess.RunAsync(_folder.Path, "run", Path.Combine(KeelProcess.Examples, "build-website.json"));
        var generic = await KeelProcess.RunAsync(_folder.Path, "run", Path.Combine(KeelProcess.Examples, "generic-pipeline.yaml"));
        Assert.True(website.ExitCode == 0, website.ToString());
        Assert.True(generic.ExitCode == 0, generic.ToString());

        var runs = await KeelProcess.RunAsync(_folder.Path, "runs", "--workflow", "generic-pipeline", "--json");
        using var document = JsonDocument.Parse(runs.Out);
        var only = Assert.Single(document.RootElement.EnumerateArray());
        Assert.Equal(RunIdIn(generic.Out), only.GetProperty("run_id").GetString());
        Assert.Equal(Path.Combine(KeelProcess.Examples, "generic-pipeline.yaml"), only.GetProperty("file").GetString());

        var unknown = await KeelProcess.RunAsync(_folder.Path, "runs", "--state", "sleeping");
        Assert.Equal(2, unknown.ExitCode);
        Assert.Contains("unknown state 'sleeping'", unknown.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_ReservedOrMalformedData_ExitsTwo()
    {
        var file = Path.Combine(KeelProcess.Examples, "generic-pipeline.yaml");

        var reserved = await KeelProcess.RunAsync(_folder.Path, "run", file, "--data", "_keel.file=/etc/passwd");
        var malformed = await KeelProcess.RunAsync(_folder.Path, "run", file, "--data", "novalue");

        Assert.Equal(2, reserved.ExitCode);
        Assert.Contains("is reserved", reserved.Error, StringComparison.Ordinal);
        Assert.Equal(2, malformed.ExitCode);
        Assert.Contains("--data 'novalue' is not key=value", malformed.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Show_WithoutAStore_ExitsTwoAndCreatesNone()
    {
        var show = await KeelProcess.RunAsync(_folder.Path, "show", "abc");

        Assert.Equal(2, show.ExitCode);
        Assert.Contains("there is no run store", show.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(_folder.File("keel.db")));
    }

    internal static string RunIdIn(string output)
    {
        var match = System.Text.RegularExpressions.Regex.Match(output, @"run ([0-9a-f]{32})");
        Assert.True(match.Success, output);
        return match.Groups[1].Value;
    }

    public void Dispose() => _folder.Dispose();
}
