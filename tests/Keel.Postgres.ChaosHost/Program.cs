using System.Text;
using Keel;
using Keel.Postgres.ChaosHost;

// keel chaos worker: drives runs of the chaos workflow from a PostgreSQL store until killed.
// Arguments: CONNECTION SCHEMA LOG LEASE_MS CAPACITY [HOLD]. Every worker call is appended to LOG as it begins
// and ends ("start|key|run|step|visit|attempt|model|pid|ticks"), every run admitted under the workflow's limit
// as "run-start|id|pid|ticks" and "run-end|id|pid|ticks", every run taken over from another process as
// "lost|run", and every checkpoint the store refused for a lost lease as "refused|run|key|pid". With HOLD, the
// checkpoint of the first code-step attempt that ends while the file HOLD exists logs "held|key|run|pid" and
// waits until the file is gone before it reaches the store: the test stops the process then, so that write
// comes after the process lost the run, and must be refused.
if (args.Length is not (5 or 6))
{
    Console.Error.WriteLine("usage: Keel.Postgres.ChaosHost CONNECTION SCHEMA LOG LEASE_MS CAPACITY [HOLD]");
    return 2;
}

var (connection, schema, logPath) = (args[0], args[1], args[2]);
var lease = TimeSpan.FromMilliseconds(int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture));
var capacity = int.Parse(args[4], System.Globalization.CultureInfo.InvariantCulture);
var hold = args.Length == 6 ? args[5] : null;
var pid = Environment.ProcessId;
using var log = new StreamWriter(new FileStream(logPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite), new UTF8Encoding(false)) { AutoFlush = true };
var logGate = new Lock();
void Write(string line)
{
    lock (logGate)
    {
        log.WriteLine(line);
    }
}

await using var store = new PostgresRunStore(new PostgresRunStoreOptions { ConnectionString = connection, Schema = schema });
var limits = new AttemptLimits();
limits.PerModel[ChaosWorkflow.Model] = ChaosWorkflow.ModelLimit;
limits.PerWorkflow[ChaosWorkflow.Name] = ChaosWorkflow.RunLimit;

// Slots leased briefly (twice a run's lease, for renewals late on a loaded machine): a process stopped
// past three run leases has lost its slots too.
await using var limiter = new PostgresAttemptLimiter(store, limits, $"chaos-{pid}")
{
    SlotLease = lease * 2,
    PollInterval = TimeSpan.FromMilliseconds(250),
};

var options = new OrchestratorOptions
{
    RunStore = new RefusalsLogged(store, Write, pid, hold),
    LeaseDuration = lease,
    OwnerId = $"chaos-{Environment.MachineName}-{pid}",
    RunLimiter = new RunsLogged(limiter, Write, pid),
};
options.EventListeners.Add(new LostLeases(Write));
var orchestrator = new Orchestrator(options);
var random = new Random(pid);

WorkerDefinition Worker(WorkerType type, string? model) => new(type, type.Value, "", async (input, context, cancellationToken) =>
{
    var attempt = context.Attempt;
    Write(ChaosWorkflow.Line("start", attempt, model ?? "-", pid, TimeProvider.System.GetUtcNow().UtcTicks));
    int pause;
    lock (random)
    {
        pause = random.Next(2, 25);
    }

    try
    {
        await Task.Delay(pause, cancellationToken);
    }
    finally
    {
        // Ended, however: a call cancelled (its run's lease lost) ends too.
        Write(ChaosWorkflow.Line("end", attempt, model ?? "-", pid, TimeProvider.System.GetUtcNow().UtcTicks));
    }

    if (attempt.StepId == "review" && attempt.Visit == 1)
    {
        throw new InvalidOperationException("first review: back to the coder");
    }

    return new { step = attempt.StepId, visit = attempt.Visit, by = pid };
});

orchestrator.RegisterWorker(Worker(WorkerType.ProductManager, null));
orchestrator.RegisterWorker(Worker(WorkerType.Coder, ChaosWorkflow.Model).Limited(limiter, ChaosWorkflow.Model));
orchestrator.RegisterWorker(Worker(WorkerType.Reviewer, ChaosWorkflow.Model).Limited(limiter, ChaosWorkflow.Model));
orchestrator.RegisterWorker(Worker(WorkerType.Tester, null));
orchestrator.RegisterWorker(Worker(WorkerType.Deployer, null));
orchestrator.RegisterWorkflow(ChaosWorkflow.Create());

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};
Console.Out.WriteLine($"ready {pid}");
await orchestrator.RunWorkerLoopAsync(new WorkerLoopOptions { MaxConcurrentRuns = capacity, PollInterval = TimeSpan.FromMilliseconds(500) }, stop.Token);
return 0;

/// <summary>Records every run this process took over from another (the other lost its lease).</summary>
internal sealed class LostLeases(Action<string> write) : RunEventListener
{
    public override void Write(in RunEventArguments arguments)
    {
        if (arguments.Event is LeaseLost)
        {
            write("lost|" + arguments.Event.RunId);
        }
    }
}

/// <summary>Records every checkpoint the store refused because this process no longer held the run's lease.</summary>
internal sealed class RefusalsLogged(IRunStore inner, Action<string> write, int pid, string? hold) : DelegatingRunStore(inner)
{
    private int _held;

    public override async ValueTask<RunControl> CommitAsync(Checkpoint checkpoint, CancellationToken cancellationToken)
    {
        // In flight on purpose: a checkpoint on its way to the store when the process is stopped. Held here, not
        // in the worker, so the heartbeat that runs first when the process continues cannot call the attempt off.
        if (hold is not null && checkpoint.Entry is { StepId: "code" } entry && File.Exists(hold) && Interlocked.Exchange(ref _held, 1) == 0)
        {
            write($"held|{entry.IdempotencyKey}|{checkpoint.RunId}|{pid}");
            while (File.Exists(hold))
            {
                await Task.Delay(20, CancellationToken.None);
            }
        }

        try
        {
            return await base.CommitAsync(checkpoint, cancellationToken);
        }
        catch (RunOwnedElsewhereException)
        {
            write($"refused|{checkpoint.RunId}|{checkpoint.Entry?.IdempotencyKey ?? "-"}|{pid}");
            throw;
        }
    }
}

/// <summary>Records every run admitted under the workflow's limit, from admission to release.</summary>
internal sealed class RunsLogged(IAttemptLimiter inner, Action<string> write, int pid) : IAttemptLimiter
{
    private int _next;

    public ValueTask<IAsyncDisposable> AcquireAsync(AttemptAdmission admission, CancellationToken cancellationToken) => inner.AcquireAsync(admission, cancellationToken);

    public ValueTask BackOffAsync(string model, TimeSpan retryAfter, CancellationToken cancellationToken) => inner.BackOffAsync(model, retryAfter, cancellationToken);

    public async ValueTask<IAsyncDisposable> AcquireRunAsync(string workflowName, CancellationToken cancellationToken)
    {
        var permit = await inner.AcquireRunAsync(workflowName, cancellationToken);
        var id = $"{pid}-{Interlocked.Increment(ref _next)}";
        write($"run-start|{id}|{pid}|{TimeProvider.System.GetUtcNow().UtcTicks}");
        return new Logged(permit, () => write($"run-end|{id}|{pid}|{TimeProvider.System.GetUtcNow().UtcTicks}"));
    }

    private sealed class Logged(IAsyncDisposable permit, Action ended) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            ended();
            return permit.DisposeAsync();
        }
    }
}
