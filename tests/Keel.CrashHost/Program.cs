using Keel;
using Keel.CrashHost;
using Keel.Testing;

// A process that runs CrashWorkflow against a SQLite file, for the crash tests:
//   run <db> <side-effect-log> <runs> <block>   start <runs> runs (ids run-00, run-01, ...); <block> is "none",
//                                              a step number 1..5 (every run holds forever when it first enters
//                                              that step), or "spread" (run i holds in step i % 5 + 1)
//   recover <db> <side-effect-log>             resume every interrupted run until none is left running
//   recover-once <db> <side-effect-log>        one RecoverAsync pass (what a host recovering on start-up does),
//                                              exit 1 when a run is still left running after it
// KEEL_CRASH_LEASE_SECONDS, when set, is the lease term, and the owner id is the library's default
// (machine:pid:...), by which a later process tells that the lease's holder is gone; else 1 s and "mode-pid".
// Every attempt appends "<run id> <step> <idempotency key>" to the side-effect log before it works.
if (args.Length < 3)
{
    Console.Error.WriteLine("usage: run <db> <log> <runs> <block> | recover <db> <log>");
    return 2;
}

var mode = args[0];
var log = new SideEffectLog(args[2]);
using var store = SqliteRunStore.Open(args[1]);
var options = new OrchestratorOptions { RunStore = store, OwnerId = mode + "-" + Environment.ProcessId, LeaseDuration = TimeSpan.FromSeconds(1) };
if (Environment.GetEnvironmentVariable("KEEL_CRASH_LEASE_SECONDS") is { Length: > 0 } leaseSeconds)
{
    options = new OrchestratorOptions { RunStore = store, LeaseDuration = TimeSpan.FromSeconds(int.Parse(leaseSeconds, System.Globalization.CultureInfo.InvariantCulture)) };
}

if (mode == "run")
{
    var runs = int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture);
    var block = args[4];
    var orchestrator = CrashWorkflow.Register(new Orchestrator(options), async (context, cancellationToken) =>
    {
        var attempt = context.Attempt;
        log.Append(attempt.RunId, attempt.StepId, attempt.IdempotencyKey);
        if (attempt.Visit == 1 && attempt.Number == 1 && BlockStep(block, attempt.RunId) == attempt.StepId)
        {
            await Task.Delay(Timeout.Infinite, CancellationToken.None);
        }
    });
    var tasks = Enumerable.Range(0, runs).Select(i => orchestrator.ExecuteWorkflowAsync(
        CrashWorkflow.Name,
        null,
        new ExecuteOptions { RunId = RunId(i), Data = new Dictionary<string, object?> { ["seed"] = i } }));
    var results = await Task.WhenAll(tasks);
    Console.WriteLine($"finished {results.Count(r => r.State == WorkflowState.Completed)} of {runs}");
    return 0;
}

if (mode == "recover")
{
    var orchestrator = CrashWorkflow.Register(new Orchestrator(options), (context, cancellationToken) =>
    {
        log.Append(context.Attempt.RunId, context.Attempt.StepId, context.Attempt.IdempotencyKey);
        return ValueTask.CompletedTask;
    });
    var deadline = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(40);
    while (true)
    {
        await orchestrator.RecoverAsync();
        var left = await orchestrator.ListRunsAsync(new RunQuery { State = WorkflowState.Running, Limit = int.MaxValue });
        if (left.Count == 0)
        {
            Console.WriteLine("recovered");
            return 0;
        }

        if (DateTimeOffset.UtcNow > deadline)
        {
            Console.Error.WriteLine($"{left.Count} runs still running");
            return 1;
        }

        await Task.Delay(100);
    }
}

if (mode == "recover-once")
{
    var orchestrator = CrashWorkflow.Register(new Orchestrator(options), (context, cancellationToken) =>
    {
        log.Append(context.Attempt.RunId, context.Attempt.StepId, context.Attempt.IdempotencyKey);
        return ValueTask.CompletedTask;
    });
    var recovered = await orchestrator.RecoverAsync();
    var left = await orchestrator.ListRunsAsync(new RunQuery { State = WorkflowState.Running, Limit = int.MaxValue });
    Console.WriteLine($"recovered {recovered.Count}, {left.Count} left running");
    return left.Count == 0 ? 0 : 1;
}

Console.Error.WriteLine($"unknown mode '{mode}'");
return 2;

static string RunId(int i) => $"run-{i:D2}";

static string? BlockStep(string block, string runId)
{
    if (block == "none")
    {
        return null;
    }

    var number = block == "spread" ? int.Parse(runId[4..], System.Globalization.CultureInfo.InvariantCulture) % 5 + 1 : int.Parse(block, System.Globalization.CultureInfo.InvariantCulture);
    return CrashWorkflow.Steps[number - 1];
}
