using Keel.Postgres.Notifications;
using Keel.Postgres.Tests.Support;
using Npgsql;

namespace Keel.Postgres.Tests.Postgres;

/// <summary>
/// A run's commits notify its channel key only while some store watches the run (NOTIFY serializes the
/// commits that send one), and a watcher in another process is woken by them at once, not by its timeout.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresWatchTests(PostgresServer server) : IDisposable
{
    private readonly PostgresDatabase _database = new(server);

    [Fact]
    public async Task Commits_NotifyARun_OnlyWhileSomeoneWatchesIt()
    {
        await using var driver = _database.Open();
        await using var watcher = _database.Open();
        await driver.InitializeAsync(default);
        var orchestrator = Orchestrate(driver, null);
        await using var listen = _database.OpenRaw();
        var heard = new List<string>();
        listen.Notification += (_, e) =>
        {
            lock (heard)
            {
                heard.Add(e.Payload);
            }
        };
        await using (var command = new NpgsqlCommand($"LISTEN \"{PostgresListener.ChannelOf(_database.Schema)}\";", listen))
        {
            await command.ExecuteNonQueryAsync();
        }

        var unwatched = await orchestrator.ExecuteWorkflowAsync("watched", "g", new ExecuteOptions { RunId = "unwatched" });
        await orchestrator.StartAsync("watched", "g", new ExecuteOptions { RunId = "watched-run" });
        await watcher.WaitForEventsAsync("watched-run", 1, TimeSpan.FromMilliseconds(50), default);
        var watched = await orchestrator.ResumeAsync("watched-run");
        while (await listen.WaitAsync(TimeSpan.FromSeconds(1)))
        {
        }

        Assert.Equal(WorkflowState.Completed, unwatched.State);
        Assert.Equal(WorkflowState.Completed, watched.State);
        lock (heard)
        {
            Assert.DoesNotContain("run:unwatched", heard);
            Assert.Contains("run:watched-run", heard);
        }
    }

    [Fact]
    public async Task Watcher_InAnotherStore_IsWokenByTheCommit_NotByItsTimeout()
    {
        await using var driver = _database.Open();
        await using var watcher = _database.Open();
        await driver.InitializeAsync(default);
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var orchestrator = Orchestrate(driver, gate.Task);
        var run = orchestrator.ExecuteWorkflowAsync("watched", "g", new ExecuteOptions { RunId = "r1" });
        RunRecord? record;
        while ((record = await watcher.GetRunAsync("r1", default)) is null || record.LastEventSequence < 1)
        {
            await Task.Delay(10);
        }

        // The first wait writes the watch row (and waits briefly); the second waits for a day unless notified.
        await watcher.WaitForEventsAsync("r1", record.LastEventSequence, TimeSpan.FromMilliseconds(50), default);
        var woken = watcher.WaitForEventsAsync("r1", record.LastEventSequence, TimeSpan.FromDays(1), default).AsTask();
        await Task.Delay(300);
        gate.SetResult();

        await woken.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(WorkflowState.Completed, (await run).State);
    }

    public void Dispose() => _database.Dispose();

    private static Orchestrator Orchestrate(PostgresRunStore store, Task? gate)
    {
        var orchestrator = new Orchestrator(new OrchestratorOptions { RunStore = store });
        orchestrator.RegisterWorker(new WorkerDefinition(WorkerType.Coder, "coder", "waits for the gate", async (_, _, ct) =>
        {
            if (gate is not null)
            {
                await gate.WaitAsync(ct);
            }

            return "done";
        }));
        var workflow = new WorkflowDefinition("watched", "", "g");
        workflow.AddStep(new WorkflowStep("code", WorkerType.Coder, onSuccess: WorkflowStep.Complete), isInitial: true);
        orchestrator.RegisterWorkflow(workflow);
        return orchestrator;
    }
}
