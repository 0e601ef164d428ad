using System.Diagnostics;

namespace Keel.Cli.Tests;

/// <summary><c>keel pause</c> from another terminal: the run's own <c>keel run</c> ends saying it is paused and how to go on, with its own exit code.</summary>
public sealed class PauseCommandTests : IDisposable
{
    private readonly TempFolder _folder = new();

    [Fact]
    public async Task Pause_WhileKeelRunDrivesTheRun_TheRunEndsPaused_ExitFive_AndSaysHowToGoOn()
    {
        // The second step writes the run id, then waits for the test to let it finish.
        var file = _folder.Write("held.yaml", """
            name: held
            goal: g
            workers:
              quick:
                kind: command
                command: /bin/sh
                args: ["-c", "cat > /dev/null; printf '{\"ok\":true}'"]
              held:
                kind: command
                command: /bin/sh
                args: ["-c", "cat > /dev/null; printf '%s' \"$KEEL_RUN_ID\" > started.tmp; mv started.tmp started; while [ ! -f go ]; do sleep 0.05; done; printf '{\"ok\":true}'"]
            steps:
              - id: one
                worker: quick
                on_success: two
              - id: two
                worker: held
                on_success: three
              - id: three
                worker: quick
            """);
        using var run = Process.Start(KeelProcess.StartInfo(_folder.Path, "run", file, "--store", "s.db"))!;
        var output = run.StandardOutput.ReadToEndAsync();
        var error = run.StandardError.ReadToEndAsync();
        var started = _folder.File("started");
        using (var limit = new CancellationTokenSource(TimeSpan.FromMinutes(1)))
        {
            while (!File.Exists(started))
            {
                await Task.Delay(50, limit.Token);
            }
        }

        var runId = await File.ReadAllTextAsync(started);
        var pause = await KeelProcess.RunAsync(_folder.Path, "pause", runId, "--store", "s.db");
        await File.WriteAllTextAsync(_folder.File("go"), string.Empty);
        await run.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));

        Assert.True(pause.ExitCode == 0, pause.ToString());
        var printed = await output;
        Assert.True(run.ExitCode == 5, printed + await error);
        Assert.Contains("Paused at step 'three': nobody drives it until it is unpaused", printed, StringComparison.Ordinal);
        Assert.Contains($"unpause: keel unpause {runId} --store s.db, then keel resume {runId} --store s.db", printed, StringComparison.Ordinal);
        var help = await KeelProcess.RunAsync(_folder.Path, "--help");
        Assert.Contains("5    the run is paused", help.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unpause_ARunThatEnded_IsRefusedLikePause()
    {
        var run = await KeelProcess.RunAsync(_folder.Path, "run", Path.Combine(KeelProcess.Examples, "build-website.yaml"), "--goal", "x", "--json");
        Assert.True(run.ExitCode == 0, run.ToString());
        var runId = System.Text.Json.JsonDocument.Parse(run.Out).RootElement.GetProperty("run_id").GetString()!;

        var pause = await KeelProcess.RunAsync(_folder.Path, "pause", runId);
        var unpause = await KeelProcess.RunAsync(_folder.Path, "unpause", runId);

        Assert.Equal((2, 2), (pause.ExitCode, unpause.ExitCode));
        Assert.Contains("cannot be unpaused: it is completed", unpause.Error, StringComparison.Ordinal);
    }

    public void Dispose() => _folder.Dispose();
}
