namespace Keel.Cli.Tests;

/// <summary>Option values a command cannot honour are refused as bad input, before anything is done.</summary>
public sealed class ArgumentCheckTests : IDisposable
{
    private readonly TempFolder _folder = new();

    [Fact]
    public async Task Reject_WithAnEmptyComment_IsRefused_AndTheRunStillWaits()
    {
        var run = await KeelProcess.RunAsync(_folder.Path, "run", Path.Combine(KeelProcess.Examples, "approval.yaml"));
        Assert.True(run.ExitCode == 3, run.ToString());
        var runId = RunCommandTests.RunIdIn(run.Out);

        var reject = await KeelProcess.RunAsync(_folder.Path, "reject", runId, "sign_off", "--comment", " ");
        var runs = await KeelProcess.RunAsync(_folder.Path, "runs");

        Assert.Equal(2, reject.ExitCode);
        Assert.Contains("a rejection needs a reason", reject.Error, StringComparison.Ordinal);
        Assert.Contains("waiting_for_approval", runs.Out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    public async Task Runs_WithALimitBelowOne_IsRefused(string limit)
    {
        var runs = await KeelProcess.RunAsync(_folder.Path, "runs", "--limit", limit);

        Assert.Equal(2, runs.ExitCode);
        Assert.Contains($"--limit {limit} must be at least 1", runs.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("show")]
    [InlineData("cancel")]
    [InlineData("pause")]
    [InlineData("watch")]
    public async Task AnyRunCommand_WithAnEmptyRunId_IsRefused_NotTheFirstRun(string command)
    {
        var run = await KeelProcess.RunAsync(_folder.Path, "run", Path.Combine(KeelProcess.Examples, "approval.yaml"));
        Assert.True(run.ExitCode == 3, run.ToString());

        var refused = await KeelProcess.RunAsync(_folder.Path, command, "");
        var runs = await KeelProcess.RunAsync(_folder.Path, "runs");

        Assert.True(refused.ExitCode == 2, refused.ToString());
        Assert.Contains("the run id is empty", refused.Error, StringComparison.Ordinal);
        Assert.Contains("waiting_for_approval", runs.Out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("postgres://keel@127.0.0.1:notaport/keel", "the port 'notaport' is not a number")]
    [InlineData("postgres://", "it names no host")]
    public async Task AnyCommand_WithAMalformedPostgresAddress_ExitsTwo_NamingTheProblem(string address, string problem)
    {
        var runs = await KeelProcess.RunAsync(_folder.Path, "runs", "--store", address);

        Assert.True(runs.ExitCode == 2, runs.ToString());
        Assert.Contains("The PostgreSQL URI is not valid: " + problem, runs.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", runs.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnyCommand_WithAnEmptyStore_IsRefused_NotTheDefaultStore()
    {
        var runs = await KeelProcess.RunAsync(_folder.Path, "runs", "--store", "");

        Assert.Equal(2, runs.ExitCode);
        Assert.Contains("--store is empty", runs.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(_folder.File("keel.db")));
    }

    [Fact]
    public async Task WorkerAndServe_TwoFilesDeclaringOneWorkerTypeDifferently_AreRefused_NotTheLastOneRunForBoth()
    {
        foreach (var name in new[] { "one", "two" })
        {
            _folder.Write($"{name}.yaml", $$"""
                name: {{name}}
                workers:
                  w:
                    kind: command
                    command: /bin/sh
                    args: ["-c", "cat >/dev/null; echo {{name}}"]
                steps:
                  - id: s
                    worker: w
                """);
        }

        var worker = await KeelProcess.RunAsync(_folder.Path, "worker", "one.yaml", "two.yaml");
        var serve = await KeelProcess.RunAsync(_folder.Path, "serve", "--workflow", "one.yaml", "--workflow", "two.yaml", "--listen", "http://127.0.0.1:0");

        foreach (var result in new[] { worker, serve })
        {
            Assert.True(result.ExitCode == 2, result.ToString());
            Assert.Contains("worker 'w' is declared by both", result.Error, StringComparison.Ordinal);
            Assert.Contains("give one of them another name", result.Error, StringComparison.Ordinal);
        }
    }

    public void Dispose() => _folder.Dispose();
}
