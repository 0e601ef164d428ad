using System.Text.Json;

namespace Keel.Cli.Tests;

public sealed class CommandWorkerTests : IDisposable
{
    private readonly TempFolder _folder = new();

    [Fact]
    public async Task Run_WorkerLeavesABackgroundChildHoldingItsOutput_AttemptEndsWhenTheWorkerExits()
    {
        var file = _folder.Write("background.yaml", """
            name: background
            goal: g
            workers:
              starter:
                kind: command
                command: /bin/sh
                args: ["-c", "cat > /dev/null; sleep 9 & printf '{\"started\":true}'; echo 'left a child' >&2"]
            steps:
              - id: start
                worker: starter
                timeout: 6s
            """);

        var run = await KeelProcess.RunAsync(_folder.Path, "run", file, "--json");

        Assert.True(run.ExitCode == 0, run.ToString());
        using var result = JsonDocument.Parse(run.Out);
        var entry = Assert.Single(result.RootElement.GetProperty("history").EnumerateArray());
        Assert.Equal("succeeded", entry.GetProperty("outcome").GetString());
        Assert.True(result.RootElement.GetProperty("final_output").GetProperty("started").GetBoolean());
    }

    [Fact]
    public async Task Run_ACommandGivenAsARelativePath_IsTheWorkflowFilesOwn_WhereverKeelIsStarted()
    {
        Directory.CreateDirectory(_folder.File("flows"));
        var script = _folder.Write(Path.Combine("flows", "work.sh"), "#!/bin/sh\ncat > /dev/null\nprintf '{\"from\":\"the script\"}'\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        var file = _folder.Write(Path.Combine("flows", "flow.yaml"), """
            name: flow
            goal: g
            workers:
              w:
                kind: command
                command: ./work.sh
            steps:
              - id: s
                worker: w
            """);

        // Started from the folder above the file's: ./work.sh is still the script beside the file.
        var run = await KeelProcess.RunAsync(_folder.Path, "run", file, "--json");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("the script", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_TheEnvelopeOnStdin_IsWrittenInTheDialect_WithoutNeedlessEscapes()
    {
        var file = _folder.Write("echo.yaml", """
            name: echo
            workers:
              w: { kind: command, command: /bin/sh, args: ["-c", "cat > envelope.json; printf '{}'"] }
            steps:
              - { id: s, worker: w }
            """);

        var run = await KeelProcess.RunAsync(_folder.Path, "run", file, "--goal", "Jo's <site> + cafe");

        Assert.True(run.ExitCode == 0, run.ToString());
        var envelope = File.ReadAllText(_folder.File("envelope.json"));
        Assert.Contains("Jo's <site> + cafe", envelope, StringComparison.Ordinal);
        Assert.DoesNotContain("\\u00", envelope, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_AWorkerWritingTooMuchOrNotUtf8_FailsItsOwnStepAsInvalidOutput_NothingChangedSilently()
    {
        // 20 million characters on stdout (past the 16 MiB limit), then bytes that are not UTF-8 ("caf" and 0xE9).
        var file = _folder.Write("outputs.yaml", """
            name: outputs
            goal: g
            workers:
              huge: { kind: command, command: /bin/sh, args: ["-c", "cat > /dev/null; printf '\"'; head -c 20000000 /dev/zero | tr '\\0' a; printf '\"'"] }
              latin: { kind: command, command: /bin/sh, args: ["-c", "cat > /dev/null; printf '\"caf\\351\"'"] }
            steps:
              - id: big
                worker: huge
                on_success: accent
                on_failure: accent
              - id: accent
                worker: latin
            """);

        var run = await KeelProcess.RunAsync(_folder.Path, "run", file, "--json");

        Assert.True(run.ExitCode == 1, run.ToString());
        using var result = JsonDocument.Parse(run.Out);
        var history = result.RootElement.GetProperty("history").EnumerateArray().ToArray();
        Assert.Equal(["big", "accent"], history.Select(e => e.GetProperty("step_id").GetString()));
        Assert.All(history, e => Assert.Equal("invalid_output", e.GetProperty("outcome").GetString()));
        Assert.Contains("wrote more than 16 MiB on stdout", history[0].GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Contains("wrote bytes that are not UTF-8 on stdout", history[1].GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    public void Dispose() => _folder.Dispose();
}
