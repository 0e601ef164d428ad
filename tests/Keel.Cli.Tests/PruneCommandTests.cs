using Keel.Cli.Commands;

namespace Keel.Cli.Tests;

public sealed class PruneCommandTests : IDisposable
{
    private readonly TempFolder _folder = new();

    [Fact]
    public async Task Prune_OlderThanZeroMinutes_DeletesEveryRunAndShowsItsSize()
    {
        var run = await KeelProcess.RunAsync(_folder.Path, "run", Path.Combine(KeelProcess.Examples, "build-website.yaml"), "--goal", "A website for a bakery");
        Assert.True(run.ExitCode == 0, run.ToString());

        var listed = await KeelProcess.RunAsync(_folder.Path, "runs");
        Assert.Matches(@"\d+(\.\d)? (B|KB)", listed.Out);

        var keep = await KeelProcess.RunAsync(_folder.Path, "prune", "--older-than", "30d");
        Assert.True(keep.ExitCode == 0, keep.ToString());
        Assert.Contains("No ended runs last updated before", keep.Out, StringComparison.Ordinal);

        var prune = await KeelProcess.RunAsync(_folder.Path, "prune", "--older-than", "0m");
        Assert.True(prune.ExitCode == 0, prune.ToString());
        Assert.Contains("Deleted 1 run(s)", prune.Out, StringComparison.Ordinal);
        Assert.Contains("build_website", prune.Out, StringComparison.Ordinal);

        var after = await KeelProcess.RunAsync(_folder.Path, "runs");
        Assert.Contains("No runs", after.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Prune_WhileAnotherProcessRunsARun_KeepsThatRun_EvenWhenItsStateIsNamed_AndDryRunDeletesNothing()
    {
        var file = _folder.Write("slow.yaml", """
            name: slow
            goal: g
            workers:
              waiter:
                kind: command
                command: /bin/sh
                args: ["-c", "cat > /dev/null; touch started; while [ ! -f release ]; do sleep 0.05; done; printf '{\"ok\":true}'"]
              quick:
                kind: command
                command: /bin/sh
                args: ["-c", "cat > /dev/null; printf '{\"ok\":true}'"]
            steps:
              - id: first
                worker: quick
                on_success: wait
              - id: wait
                worker: waiter
            """);
        var done = await KeelProcess.RunAsync(_folder.Path, "run", Path.Combine(KeelProcess.Examples, "build-website.yaml"), "--goal", "x");
        Assert.True(done.ExitCode == 0, done.ToString());
        var running = KeelProcess.RunAsync(_folder.Path, "run", file);
        while (!File.Exists(_folder.File("started")))
        {
            Assert.False(running.IsCompleted, running.IsCompleted ? (await running).ToString() : string.Empty);
            await Task.Delay(50);
        }

        var dry = await KeelProcess.RunAsync(_folder.Path, "prune", "--older-than", "0m", "--dry-run");
        var prune = await KeelProcess.RunAsync(_folder.Path, "prune", "--older-than", "0m");
        var namedDry = await KeelProcess.RunAsync(_folder.Path, "prune", "--older-than", "0m", "--state", "running", "--dry-run");
        var named = await KeelProcess.RunAsync(_folder.Path, "prune", "--older-than", "0m", "--state", "running");
        File.WriteAllText(_folder.File("release"), string.Empty);
        var run = await running;

        Assert.True(dry.ExitCode == 0, dry.ToString());
        Assert.Contains("Would delete 1 run(s)", dry.Out, StringComparison.Ordinal);
        Assert.Contains("build_website", dry.Out, StringComparison.Ordinal);
        Assert.Contains("Would keep 1 older run(s) that have not ended (1 running)", dry.Out, StringComparison.Ordinal);
        Assert.True(prune.ExitCode == 0, prune.ToString());
        Assert.Contains("Deleted 1 run(s)", prune.Out, StringComparison.Ordinal);
        Assert.DoesNotContain(" slow ", prune.Out, StringComparison.Ordinal);
        Assert.Contains("Kept 1 older run(s) that have not ended (1 running)", prune.Out, StringComparison.Ordinal);
        Assert.Contains("No running run last updated before", namedDry.Out, StringComparison.Ordinal);
        Assert.Contains("can be deleted (dry run).", namedDry.Out, StringComparison.Ordinal);
        Assert.Contains("Would keep 1 run(s) a process is driving now (their lease is live)", namedDry.Out, StringComparison.Ordinal);
        Assert.Contains("Kept 1 run(s) a process is driving now", named.Out, StringComparison.Ordinal);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("Completed", run.Out, StringComparison.Ordinal);
        var listed = await KeelProcess.RunAsync(_folder.Path, "runs");
        Assert.Contains(" slow ", listed.Out, StringComparison.Ordinal);
        Assert.Contains("completed", listed.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Prune_BadAge_ExitsTwoAndSaysWhatIsExpected()
    {
        var run = await KeelProcess.RunAsync(_folder.Path, "run", Path.Combine(KeelProcess.Examples, "build-website.yaml"), "--goal", "x");
        Assert.True(run.ExitCode == 0, run.ToString());

        var prune = await KeelProcess.RunAsync(_folder.Path, "prune", "--older-than", "soon");

        Assert.Equal(2, prune.ExitCode);
        Assert.Contains("expected a whole number followed by d, h or m", prune.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("36500d", true)]
    [InlineData("36501d", false)]
    [InlineData("9999999d", false)]
    [InlineData("2147483647d", false)]
    [InlineData("2147483647h", false)]
    [InlineData("876000h", true)]
    [InlineData("2147483647m", false)]
    public void TryParseAge_AtMostAHundredYears_NeverOverflows(string text, bool accepted)
    {
        Assert.Equal(accepted, PruneCommand.TryParseAge(text, out var age));
        if (accepted)
        {
            Assert.Equal(TimeSpan.FromDays(36_500), age);
            Assert.True(DateTimeOffset.UtcNow - age > DateTimeOffset.MinValue);
        }
    }

    public void Dispose() => _folder.Dispose();
}
