using System.Collections.Concurrent;
using Keel.AI;
using Keel.AI.Tests;
using Keel.Postgres.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Keel.Postgres.Tests.Limits;

/// <summary>Limits held across limiters on separate stores (as separate processes have), checked from what the calls record.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresAttemptLimiterTests(PostgresServer server) : IDisposable
{
    private readonly PostgresDatabase _database = new(server);

    [Fact]
    public async Task Acquire_ManyCallsFromThreeProcesses_NeverMoreThanTheModelLimitAtOnce()
    {
        var limits = new AttemptLimits();
        limits.PerModel["gpt-test"] = 2;
        limits.PerWorkerType["coder"] = 3;
        var (stores, limiters) = Cluster(3, limits);
        var running = 0;
        var most = 0;
        var calls = 0;
        try
        {
            var admission = new AttemptAdmission { RunId = "r", WorkflowName = "wf", WorkerType = WorkerType.Coder, Model = "GPT-test" };
            await Task.WhenAll(Enumerable.Range(0, 24).Select(async i =>
            {
                await using var permit = await limiters[i % 3].AcquireAsync(admission, default);
                var now = Interlocked.Increment(ref running);
                InterlockedMax(ref most, now);
                await Task.Delay(5 + (i % 4) * 5);
                Interlocked.Decrement(ref running);
                Interlocked.Increment(ref calls);
            }));
        }
        finally
        {
            await DisposeAll(stores, limiters);
        }

        Assert.Equal(24, calls);
        Assert.Equal(2, most);
        Assert.Equal(0L, _database.Scalar("SELECT count(*) FROM {0}.slots WHERE holder IS NOT NULL;"));
    }

    [Fact]
    public async Task BackOff_FromOneProcess_HoldsBackTheModelInAnotherUntilItEnds()
    {
        var limits = new AttemptLimits();
        limits.PerModel["gpt-test"] = 4;
        var (stores, limiters) = Cluster(2, limits);
        try
        {
            await limiters[0].BackOffAsync("gpt-test", TimeSpan.FromMilliseconds(700), default);
            var until = (long)_database.Scalar("SELECT until_ticks FROM {0}.model_pauses WHERE model = 'gpt-test';")!;

            await using var permit = await limiters[1].AcquireAsync(new AttemptAdmission { RunId = "r", WorkflowName = "wf", WorkerType = WorkerType.Coder, Model = "gpt-test" }, default);
            var admitted = TimeProvider.System.GetUtcNow().UtcTicks;

            // Admitted only once the recorded pause (on the server's clock, the same machine's) was over.
            Assert.True(admitted >= until, $"admitted at {admitted}, pause until {until}");

            // Another model is not held back.
            await using var other = await limiters[1].AcquireAsync(new AttemptAdmission { RunId = "r", WorkflowName = "wf", WorkerType = WorkerType.Coder, Model = "other" }, default);
        }
        finally
        {
            await DisposeAll(stores, limiters);
        }
    }

    [Fact]
    public async Task Limited_WorkerAskedToBackOff_WaitsAndSucceedsInTheSameAttempt()
    {
        var limits = new AttemptLimits();
        limits.PerModel["gpt-test"] = 1;
        var (stores, limiters) = Cluster(1, limits);
        try
        {
            var calls = 0;
            var worker = new WorkerDefinition(WorkerType.Coder, "Coder", "", (_, _, _) =>
                Interlocked.Increment(ref calls) == 1
                    ? throw new ModelBackoffException("gpt-test", TimeSpan.FromMilliseconds(200))
                    : ValueTask.FromResult<object?>("code"));
            var orchestrator = new Orchestrator();
            orchestrator.RegisterWorker(worker.Limited(limiters[0], "gpt-test"));
            var workflow = new WorkflowDefinition("wf", "", "g");
            workflow.AddStep(new WorkflowStep("code", WorkerType.Coder, "", "complete", "failed"), isInitial: true);
            orchestrator.RegisterWorkflow(workflow);

            var result = await orchestrator.ExecuteWorkflowAsync("wf", "g");

            Assert.Equal(WorkflowState.Completed, result.State);
            var entry = Assert.Single(result.History);
            Assert.Equal((AttemptOutcome.Succeeded, 1), (entry.Outcome, entry.Attempt));
            Assert.Equal(2, calls);
            Assert.Equal(1L, _database.Scalar("SELECT count(*) FROM {0}.model_pauses;"));
        }
        finally
        {
            await DisposeAll(stores, limiters);
        }
    }

    [Fact]
    public async Task Acquire_SlotLapsedBeforeTheCallStarts_WaitsForASlotAgainInsteadOfCallingOnTheLostOne()
    {
        var limits = new AttemptLimits();
        limits.PerModel["gpt-test"] = 1;
        await using var storeA = _database.Open();
        await using var storeB = _database.Open();
        var elapsed = new FakeTimeProvider();
        await using var a = new PostgresAttemptLimiter(storeA, limits, "process-a") { Elapsed = elapsed, PollInterval = TimeSpan.FromMilliseconds(200) };
        await using var b = new PostgresAttemptLimiter(storeB, limits, "process-b") { PollInterval = TimeSpan.FromMilliseconds(200) };
        var admission = new AttemptAdmission { RunId = "r", WorkflowName = "wf", WorkerType = WorkerType.Coder, Model = "gpt-test" };
        var order = new ConcurrentQueue<string>();
        Task? releasing = null;
        a.BeforeAdmission = async ct =>
        {
            if (releasing is not null)
            {
                return;
            }

            // Process A stops right after taking its slot, past the slot's lease: the lease lapses, B takes the slot.
            elapsed.Advance(a.SlotLease + TimeSpan.FromSeconds(1));
            _database.Execute("UPDATE {0}.slots SET holder = NULL, expires = NULL WHERE holder LIKE 'process-a/%';");
            var held = await b.AcquireAsync(admission, ct);
            order.Enqueue("b admitted");
            releasing = Task.Run(async () =>
            {
                await Task.Delay(300);
                order.Enqueue("b released");
                await held.DisposeAsync();
            });
        };

        // A wakes: its call must not start on the slot B holds now, but wait for B to give it back.
        await using (await a.AcquireAsync(admission, default))
        {
            order.Enqueue("a admitted");
            Assert.Equal(1L, _database.Scalar("SELECT count(*) FROM {0}.slots WHERE holder LIKE 'process-a/%' AND expires > 0;"));
        }

        await releasing!;
        Assert.Equal(["b admitted", "b released", "a admitted"], order);
    }

    [Fact]
    public async Task AcquireRun_ManyRunsFromThreeProcesses_NeverMoreThanTheWorkflowLimitAtOnce()
    {
        var limits = new AttemptLimits();
        limits.PerWorkflow["Nightly"] = 2;
        var (stores, limiters) = Cluster(3, limits);
        var (running, most, runs) = (0, 0, 0);
        try
        {
            await Task.WhenAll(Enumerable.Range(0, 12).Select(async i =>
            {
                await using var permit = await limiters[i % 3].AcquireRunAsync("nightly", default);
                InterlockedMax(ref most, Interlocked.Increment(ref running));
                await Task.Delay(5 + (i % 4) * 5);
                Interlocked.Decrement(ref running);
                Interlocked.Increment(ref runs);
            }));

            // Another workflow has no limit.
            await using var other = await limiters[0].AcquireRunAsync("other", default);
        }
        finally
        {
            await DisposeAll(stores, limiters);
        }

        Assert.Equal(12, runs);
        Assert.Equal(2, most);
        Assert.Equal(2L, _database.Scalar("SELECT count(*) FROM {0}.slots WHERE scope = 'workflow:nightly';"));
        Assert.Equal(0L, _database.Scalar("SELECT count(*) FROM {0}.slots WHERE holder IS NOT NULL;"));
    }

    [Fact]
    public async Task AcquireRun_HeldForLongerThanItsSlotLease_StaysHeldWhileRenewed()
    {
        var limits = new AttemptLimits();
        limits.PerWorkflow["wf"] = 1;
        await using var storeA = _database.Open();
        await using var storeB = _database.Open();
        await using var a = new PostgresAttemptLimiter(storeA, limits, "process-a") { SlotLease = TimeSpan.FromMilliseconds(600) };
        await using var b = new PostgresAttemptLimiter(storeB, limits, "process-b") { SlotLease = TimeSpan.FromMilliseconds(600), PollInterval = TimeSpan.FromMilliseconds(50) };
        var order = new ConcurrentQueue<string>();

        var held = await a.AcquireRunAsync("wf", default);
        var waiting = Task.Run(async () =>
        {
            var permit = await b.AcquireRunAsync("wf", default);
            order.Enqueue("b admitted");
            return permit;
        });

        // Four leases long: renewed every third of one, the slot is never free for B meanwhile.
        await Task.Delay(TimeSpan.FromMilliseconds(2400));
        order.Enqueue("a released");
        await held.DisposeAsync();
        await (await waiting).DisposeAsync();

        Assert.Equal(["a released", "b admitted"], order);
    }

    [Fact]
    public async Task Http429WithRetryAfter_SeenByOneProcess_KeepsAnotherFromCallingTheModelBeforeTheTimeGiven()
    {
        await using var server = await OpenAIServer.StartAsync((_, index) => index == 0 ? Reply.Status(429, retryAfterSeconds: 2) : Reply.Content("done"));
        var limits = new AttemptLimits();
        limits.PerModel["gpt-test"] = 4;
        var (stores, limiters) = Cluster(2, limits);
        try
        {
            var processes = limiters.Select(limiter =>
            {
                var client = KeelAI.CreateChatClient(new KeelAIOptions
                {
                    Provider = ModelProvider.OpenAICompatible,
                    Model = "gpt-test",
                    Endpoint = server.BaseUrl,
                    ApiKey = "sk-test",
                    Resilience = new ModelResilienceOptions { MaxRetryAttempts = 2, BaseDelay = TimeSpan.FromMilliseconds(1), SharedBackoff = true },
                });
                var orchestrator = new Orchestrator();
                orchestrator.RegisterWorker(ChatWorker.Create(WorkerType.Coder, "Coder", client, "Write {{input}}").Limited(limiter, "gpt-test"));
                var workflow = new WorkflowDefinition("write");
                workflow.AddStep(new WorkflowStep("write", WorkerType.Coder), isInitial: true);
                orchestrator.RegisterWorkflow(workflow);
                return orchestrator;
            }).ToArray();

            // The first process's call is answered 429 with Retry-After: 2; the pause lands in the shared table.
            var first = processes[0].ExecuteWorkflowAsync("write", "a poem");
            using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(1));
            while ((long)_database.Scalar("SELECT count(*) FROM {0}.model_pauses;")! == 0)
            {
                await Task.Delay(20, limit.Token);
            }

            var until = (long)_database.Scalar("SELECT until_ticks FROM {0}.model_pauses WHERE model = 'gpt-test';")!;
            var second = processes[1].ExecuteWorkflowAsync("write", "a song");
            var results = await Task.WhenAll(first, second);

            // Both complete in one attempt; no call (the first process's again, or the second's) reached the model before the pause ended.
            Assert.All(results, r => Assert.Equal((WorkflowState.Completed, 1), (r.State, Assert.Single(r.History).Attempt)));
            var requests = server.Requests;
            Assert.Equal(3, requests.Count);
            Assert.All(requests.Skip(1), r => Assert.True(r.ReceivedAt >= until, $"a call reached the model at {r.ReceivedAt}, the pause ran until {until}"));
        }
        finally
        {
            await DisposeAll(stores, limiters);
        }
    }

    public void Dispose() => _database.Dispose();

    private (PostgresRunStore[] Stores, PostgresAttemptLimiter[] Limiters) Cluster(int processes, AttemptLimits limits)
    {
        var stores = Enumerable.Range(0, processes).Select(_ => _database.Open()).ToArray();
        var limiters = stores.Select((s, i) => new PostgresAttemptLimiter(s, limits, $"process-{i}") { PollInterval = TimeSpan.FromMilliseconds(200) }).ToArray();
        return (stores, limiters);
    }

    private static async Task DisposeAll(PostgresRunStore[] stores, PostgresAttemptLimiter[] limiters)
    {
        foreach (var limiter in limiters)
        {
            await limiter.DisposeAsync();
        }

        foreach (var store in stores)
        {
            await store.DisposeAsync();
        }
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var current = Volatile.Read(ref target);
        while (value > current && Interlocked.CompareExchange(ref target, value, current) is var seen && seen != current)
        {
            current = seen;
        }
    }
}
