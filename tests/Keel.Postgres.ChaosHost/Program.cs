using System.Text;
using Keel;
using Keel.Postgres.ChaosHost;

// keel chaos worker: drives runs of the chaos workflow from a PostgreSQL store until killed.
// Arguments: CONNECTION SCHEMA LOG LEASE_MS CAPACITY. Every worker call is appended to LOG as it begins and
// ends ("start|key|run|step|visit|attempt|model|pid|ticks"), and every lease this process loses as "lost|run".
if (args.Length != 5)
{
    Console.Error.WriteLine("usage: Keel.Postgres.ChaosHost CONNECTION SCHEMA LOG LEASE_MS CAPACITY");
    return 2;
}

var (connection, schema, logPath) = (args[0], args[1], args[2]);
var lease = TimeSpan.FromMilliseconds(int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture));
var capacity = int.Parse(args[4], System.Globalization.CultureInfo.InvariantCulture);
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
await using var limiter = new PostgresAttemptLimiter(store, limits, $"chaos-{pid}")
{
    SlotLease = TimeSpan.FromSeconds(15),
    PollInterval = TimeSpan.FromMilliseconds(250),
};

var options = new OrchestratorOptions { RunStore = store, LeaseDuration = lease, OwnerId = $"chaos-{Environment.MachineName}-{pid}" };
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

    await Task.Delay(pause, cancellationToken);
    Write(ChaosWorkflow.Line("end", attempt, model ?? "-", pid, TimeProvider.System.GetUtcNow().UtcTicks));
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

/// <summary>Records every lease this process lost (its late write was refused).</summary>
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
