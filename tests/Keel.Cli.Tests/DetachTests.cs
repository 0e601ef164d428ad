using System.Text.Json;

namespace Keel.Cli.Tests;

/// <summary>
/// <c>keel run FILE --detach</c> stores the run pending and returns; a <c>keel worker</c> on the same store drives
/// it, its lines naming the run, and <c>keel watch</c> follows it.
/// </summary>
public sealed class DetachTests : IDisposable
{
    private const string Workflow = "handoff.yaml";
    private readonly TempFolder _folder = new();

    public DetachTests() => _folder.Write(Workflow, KeelServiceProcess.HandoffWorkflow);

    [Fact]
    public async Task Detach_StoresThePendingRunAndReturns_AKeelWorkerDrivesIt_NamingTheRun()
    {
        var started = await KeelProcess.RunAsync(_folder.Path, "run", Workflow, "--detach", "--json", "--store", "keel.db");

        Assert.True(started.ExitCode == 0, started.ToString());
        var result = JsonDocument.Parse(started.Out).RootElement;
        var id = result.GetProperty("run_id").GetString()!;
        Assert.Equal(("handoff", "pending"), (result.GetProperty("workflow").GetString(), result.GetProperty("state").GetString()));
        var shown = await KeelProcess.RunAsync(_folder.Path, "show", id, "--store", "keel.db");
        Assert.Contains("pending at 'spec'", shown.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("attempt 1", shown.Out, StringComparison.Ordinal);

        await using (var worker = KeelServiceProcess.Start(_folder.Path, "worker", Workflow, "--store", "keel.db"))
        {
            var watched = await KeelProcess.RunAsync(_folder.Path, "watch", id, "--store", "keel.db");

            Assert.True(watched.ExitCode == 0, watched + "\n" + worker.Output);
            Assert.Contains("run_ended         completed", watched.Out, StringComparison.Ordinal);
            using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(1));
            while (!worker.Output.Contains($"{id[..8]}  run completed", StringComparison.Ordinal))
            {
                await Task.Delay(50, limit.Token);
            }

            Assert.Contains($"{id[..8]}  spec ", worker.Output, StringComparison.Ordinal);
            Assert.Contains($"{id[..8]}  page ", worker.Output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Detach_WithoutAFile_IsBadInputNamingWhy()
    {
        var refused = await KeelProcess.RunAsync(_folder.Path, "run", "--goal", "A website", "--detach", "--store", "keel.db");

        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("--detach needs a workflow FILE", refused.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Detach_Text_SaysHowToDriveAndFollowTheRun()
    {
        var started = await KeelProcess.RunAsync(_folder.Path, "run", Workflow, "--detach", "--store", "other.db");

        Assert.True(started.ExitCode == 0, started.ToString());
        Assert.Matches(@"Started 'handoff' \(run [0-9a-f]{32}\) on .*other\.db: pending", started.Out);
        Assert.Contains("drive it: keel worker handoff.yaml --store other.db", started.Out, StringComparison.Ordinal);
        Assert.Matches(@"follow:   keel watch [0-9a-f]{32} --store other\.db", started.Out);
    }

    public void Dispose() => _folder.Dispose();
}
