using System.Diagnostics;
using System.Text.Json;

namespace Keel.Cli.Tests;

public sealed class InterruptTests : IDisposable
{
    private readonly TempFolder _folder = new();

    [Fact]
    public async Task Run_InterruptedBySigintWhileACommandSleeps_ExitsResumable_ThenResumeCompletes()
    {
        var file = _folder.Write("slow.yaml", """
            name: slow
            goal: wait for it
            workers:
              quick:
                kind: command
                command: /bin/sh
                args: ["-c", "cat > /dev/null; printf '{\"quick\":true}'"]
              sleeper:
                kind: command
                command: /bin/sh
                args: ["-c", "cat > /dev/null; if [ -f done.flag ]; then printf '{\"slept\":false}'; else echo $$ > sleeper.pid; exec sleep 120; fi"]
            steps:
              - id: one
                worker: quick
                on_success: two
              - id: two
                worker: sleeper
                on_success: three
              - id: three
                worker: quick
            """);

        using var process = Process.Start(KeelProcess.StartInfo(_folder.Path, "run", file))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        var pidFile = _folder.File("sleeper.pid");
        await WaitUntil(() => File.Exists(pidFile) && File.ReadAllText(pidFile).Trim().Length > 0, process);
        var sleeperPid = int.Parse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture);

        Assert.Equal(0, Kill(process.Id, SigInt));

        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await process.WaitForExitAsync(limit.Token);
        var output = await stdout;
        var errors = await stderr;

        Assert.True(process.ExitCode == 130, $"exit {process.ExitCode}\n{output}\n{errors}");
        var runId = RunCommandTests.RunIdIn(output);
        Assert.Contains($"Resume it with: keel resume {runId}", errors, StringComparison.Ordinal);
        Assert.Contains("stopped at step 'two'", errors, StringComparison.Ordinal);
        await WaitUntil(() => !IsAlive(sleeperPid), null);

        var interrupted = await KeelProcess.RunAsync(_folder.Path, "show", runId, "--json");
        using (var document = JsonDocument.Parse(interrupted.Out))
        {
            Assert.Equal("running", document.RootElement.GetProperty("state").GetString());
            Assert.Equal("two", document.RootElement.GetProperty("current_step").GetString());
            Assert.Equal(1, document.RootElement.GetProperty("history").GetArrayLength());
        }

        File.WriteAllText(_folder.File("done.flag"), "done");
        var resumed = await KeelProcess.RunAsync(_folder.Path, "resume", runId);

        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Contains("Completed", resumed.Out, StringComparison.Ordinal);
        var show = await KeelProcess.RunAsync(_folder.Path, "show", runId, "--json");
        using var final = JsonDocument.Parse(show.Out);
        var steps = final.RootElement.GetProperty("history").EnumerateArray()
            .Select(e => $"{e.GetProperty("step_id").GetString()}:{e.GetProperty("attempt").GetInt32()}:{e.GetProperty("outcome").GetString()}");
        Assert.Equal(["one:1:succeeded", "two:1:succeeded", "three:1:succeeded"], steps);
        Assert.Equal("completed", final.RootElement.GetProperty("state").GetString());
    }

    [Fact]
    public async Task Demo_OnChatWorkers_InterruptedWhileTheReviewerWaitsForTheModel_ResumesOnChatWorkers()
    {
        using var reviewerCalled = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var reviews = 0;
        await using var server = await OpenAIServer.StartAsync((request, _) =>
        {
            var system = request.Messages[0].Content;
            if (system.Contains("product manager", StringComparison.Ordinal))
            {
                return Reply.Content("""{"title":"Rye","audience":"all","sections":[{"id":"hours","heading":"Hours","summary":"Open daily."}]}""");
            }

            if (system.Contains("web developer", StringComparison.Ordinal))
            {
                return Reply.Content("""{"title":"Rye","html":"<html><h1>Rye</h1><section id=\"hours\"></section></html>","sections":["hours"]}""");
            }

            if (Interlocked.Increment(ref reviews) == 1)
            {
                reviewerCalled.Set();
                release.Wait(TimeSpan.FromMinutes(1));
            }

            return Reply.Content("""{"approved":true,"problems":[]}""");
        });
        var model = new Dictionary<string, string> { ["OPENAI_BASE_URL"] = server.BaseUrl.ToString(), ["OPENAI_API_KEY"] = "sk-resume-test", ["KEEL_MODEL"] = "gpt-test" };
        var start = KeelProcess.StartInfo(_folder.Path, "demo", "--out", "site");
        foreach (var (name, value) in model)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await WaitUntil(() => reviewerCalled.IsSet, process);
        Assert.Equal(0, Kill(process.Id, SigInt));
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await process.WaitForExitAsync(limit.Token);
        var output = await stdout;
        Assert.True(process.ExitCode == 130, $"exit {process.ExitCode}\n{output}\n{await stderr}");
        release.Set();
        var runId = RunCommandTests.RunIdIn(output);

        var withoutModel = await KeelProcess.RunAsync(_folder.Path, "resume", runId);
        var resumed = await KeelProcess.RunAsync(_folder.Path, model, "resume", runId);

        Assert.Equal(2, withoutModel.ExitCode);
        Assert.Contains("is a demo run on chat workers, and no model is configured now", withoutModel.Error, StringComparison.Ordinal);
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Matches(@"review_code\s+reviewer\s+attempt 1\s+succeeded", resumed.Out);
        Assert.Equal(2, reviews);
        Assert.Equal(4, server.Requests.Count);
    }

    private const int SigInt = 2;

    /// <summary>kill(2) from libc: the same signal Ctrl+C sends, without depending on a kill program being installed.</summary>
    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

    private static bool IsAlive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited && File.Exists($"/proc/{pid}/status") && !File.ReadAllText($"/proc/{pid}/status").Contains("State:\tZ", StringComparison.Ordinal);
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>Polls the condition (a one-minute hang guard), failing early when mustStayAlive exits.</summary>
    internal static async Task WaitUntil(Func<bool> condition, Process? mustStayAlive)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        while (!condition())
        {
            if (mustStayAlive is { HasExited: true })
            {
                throw new InvalidOperationException($"keel exited early with {mustStayAlive.ExitCode}");
            }

            await Task.Delay(50, limit.Token);
        }
    }

    public void Dispose() => _folder.Dispose();
}
