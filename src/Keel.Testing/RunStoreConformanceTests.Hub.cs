using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace Keel.Testing;

/// <summary>
/// The hub over the store: orchestrators playing separate processes, each on its own store over the same
/// storage (<see cref="OpenAnother"/>), drive, resume, take over, approve, fork and watch runs.
/// </summary>
public abstract partial class RunStoreConformanceTests
{
    /// <summary>An orchestrator (a process) on its own store over the shared storage, with its own workers for build_website.</summary>
    private (Orchestrator Orchestrator, Scripted ProductManager, Scripted Coder, Scripted Reviewer) Process(string owner, WorkflowDefinition? workflow = null, int? slots = null, IRunStore? store = null, RunEventListener? listener = null)
    {
        var pm = new Scripted(WorkerType.ProductManager, "PM");
        var coder = new Scripted(WorkerType.Coder, "Coder");
        var reviewer = new Scripted(WorkerType.Reviewer, "Reviewer");
        var orchestrator = With(Hub(owner, slots, store, listener), pm, coder, reviewer);
        orchestrator.RegisterWorkflow(workflow ?? Workflows.CreateBuildWebsiteWorkflow());
        return (orchestrator, pm, coder, reviewer);
    }

    /// <summary>An orchestrator on the suite's clock, on its own store over the shared storage.</summary>
    private Orchestrator Hub(string? owner, int? slots = null, IRunStore? store = null, RunEventListener? listener = null)
    {
        var options = new OrchestratorOptions { TimeProvider = Clock, RunStore = store ?? OpenAnother(), MaxConcurrentRuns = slots };
        if (owner is not null)
        {
            options.OwnerId = owner;
        }

        if (listener is not null)
        {
            options.EventListeners.Add(listener);
        }

        return new Orchestrator(options);
    }

    /// <summary>Registers the workers on the orchestrator.</summary>
    private static Orchestrator With(Orchestrator orchestrator, params Scripted[] workers)
    {
        foreach (var worker in workers)
        {
            orchestrator.RegisterWorker(worker.Definition);
        }

        return orchestrator;
    }

    /// <summary>Makes a worker block on the given attempt until its token is cancelled.</summary>
    private static Signal BlockOn(Scripted worker, int attempt, Func<Call, object?>? otherwise = null)
    {
        var blocked = new Signal();
        worker.OnCallAsync = async (call, _, token) =>
        {
            if (call.Attempt == attempt && !blocked.IsSet)
            {
                blocked.Set();
                await Task.Delay(Timeout.InfiniteTimeSpan, token).ConfigureAwait(false);
            }

            return otherwise is null ? "code v" + call.Attempt : otherwise(call);
        };
        return blocked;
    }

    /// <summary>Makes a worker wait, on every call, until the returned source is set; <c>Entered</c> fires on its first call.</summary>
    private static (Signal Entered, TaskCompletionSource Release) Hold(Scripted worker)
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var entered = new Signal();
        worker.OnCallAsync = async (_, _, _) =>
        {
            entered.Set();
            await release.Task.ConfigureAwait(false);
            return "code";
        };
        return (entered, release);
    }

    /// <summary>Starts a run, waits until <paramref name="blocked"/> fires, then interrupts it as a stopping process would.</summary>
    private static async Task Interrupt(Orchestrator orchestrator, string runId, Signal blocked, string workflow = "build_website")
    {
        using var stop = new CancellationTokenSource();
        var run = orchestrator.ExecuteWorkflowAsync(workflow, "Portfolio", new ExecuteOptions { RunId = runId }, stop.Token);
        await blocked.WaitAsync().ConfigureAwait(false);
        await stop.CancelAsync().ConfigureAwait(false);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(TimeSpan.FromSeconds(30))).ConfigureAwait(false);
    }

    /// <summary>Throws as a failing worker does.</summary>
    private static object? Fail(string message) => throw new InvalidOperationException(message);

    /// <summary>What a worker saw on one call.</summary>
    private sealed record Call(JsonElement Input, string StepId, int Visit, int Attempt, string IdempotencyKey);

    /// <summary>A worker whose body a test sets; it keeps every call, in order. By default it returns the step, visit and attempt it saw.</summary>
    private sealed class Scripted(WorkerType type, string name)
    {
        private readonly ConcurrentQueue<Call> _seen = new();

        public Func<Call, WorkflowContext, object?> OnCall { get; set; } = static (call, _) => new { step = call.StepId, visit = call.Visit, attempt = call.Attempt };

        public Func<Call, WorkflowContext, CancellationToken, Task<object?>>? OnCallAsync { get; set; }

        public IReadOnlyList<Call> Calls => [.. _seen];

        public int CallCount => _seen.Count;

        public WorkerDefinition Definition => new(type, name, "a worker of the conformance suite", (input, context, token) =>
        {
            var at = context.Attempt;
            var call = new Call(input.Clone(), at.StepId, at.Visit, at.Number, at.IdempotencyKey);
            _seen.Enqueue(call);
            return OnCallAsync is { } body ? new ValueTask<object?>(body(call, context, token)) : new ValueTask<object?>(OnCall(call, context));
        });
    }

    /// <summary>How long the suite waits for a run, a worker or a commit before it fails instead of hanging.</summary>
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(30);

    /// <summary><paramref name="task"/>, or a failure naming what did not finish within <see cref="HangGuard"/>.</summary>
    private static async Task<T> Within<T>(Task<T> task, [CallerArgumentExpression(nameof(task))] string what = "")
    {
        try
        {
            return await task.WaitAsync(HangGuard).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException(Hung(what));
        }
    }

    /// <summary><paramref name="task"/>, or a failure naming what did not finish within <see cref="HangGuard"/>.</summary>
    private static async Task Within(Task task, [CallerArgumentExpression(nameof(task))] string what = "")
    {
        try
        {
            await task.WaitAsync(HangGuard).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException(Hung(what));
        }
    }

    private static string Hung(string what)
        => $"'{what}' did not finish within {HangGuard.TotalSeconds:0} s: a call of the store under test may never return (a lock, a lease or a commit that waits for ever), or a run it should have let proceed is still waiting.";

    /// <summary>A one-shot signal between a worker and a test, with a hang guard so a broken run fails instead of hanging.</summary>
    private sealed class Signal
    {
        private readonly TaskCompletionSource _source = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool IsSet => _source.Task.IsCompleted;

        public void Set() => _source.TrySetResult();

        public Task WaitAsync() => Within(_source.Task, "the signal a worker or a run of the test should have given");
    }

    /// <summary>Keeps every event it is given.</summary>
    private sealed class Recorder : RunEventListener
    {
        public List<RunEvent> Events { get; } = [];

        public override void Write(in RunEventArguments arguments)
        {
            lock (Events)
            {
                Events.Add(arguments.Event);
            }
        }
    }

    /// <summary>Counts the writes that reach the store.</summary>
    private sealed class CountingStore(IRunStore inner) : DelegatingRunStore(inner)
    {
        public int Creates { get; private set; }

        public int Commits { get; private set; }

        public int Releases { get; private set; }

        public override ValueTask CreateRunAsync(RunRecord run, IReadOnlyList<HistoryEntry> history, CancellationToken cancellationToken)
        {
            Creates++;
            return base.CreateRunAsync(run, history, cancellationToken);
        }

        public override ValueTask<RunControl> CommitAsync(Checkpoint checkpoint, CancellationToken cancellationToken)
        {
            Commits++;
            return base.CommitAsync(checkpoint, cancellationToken);
        }

        public override ValueTask ReleaseLeaseAsync(string runId, string owner, long fence, CancellationToken cancellationToken)
        {
            Releases++;
            return base.ReleaseLeaseAsync(runId, owner, fence, cancellationToken);
        }
    }
}
