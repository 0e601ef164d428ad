using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Microsoft.Agents.AI.Workflows;
using Stateless;
using AgentWorkflow = Microsoft.Agents.AI.Workflows.Workflow;

namespace Keel.Peers.Benchmarks;

/// <summary>
/// <see cref="ThreeStepWorkload"/> run by Keel in memory (<c>new Orchestrator()</c>, every attempt recorded in
/// the run's history), Stateless (one machine configured once, its state reset per run), Microsoft Agent
/// Framework workflows (in-process, Lockstep and the default environment) and a hand-written loop (the
/// floor). Keel is the baseline, so the Ratio column reads "times Keel's time".
/// </summary>
[MemoryDiagnoser]
public class ThreeStepPeersBenchmarks
{
    private static readonly Func<string, string>[] Workers =
        [ThreeStepWorkload.ProductManager, ThreeStepWorkload.Coder, ThreeStepWorkload.Reviewer];

    private Orchestrator _keel = null!;
    private StateMachine<Stage, Trigger> _machine = null!;
    private Stage _stage;
    private string _value = string.Empty;
    private AgentWorkflow _agentWorkflow = null!;

    private enum Stage
    {
        Start,
        ProductManager,
        Coder,
        Reviewer,
        Complete,
    }

    private enum Trigger
    {
        Next,
    }

    [GlobalSetup]
    public void Setup()
    {
        _keel = new Orchestrator();
        _keel.RegisterWorker(new WorkerDefinition(WorkerType.ProductManager, "pm", "appends a spec", KeelWorker(ThreeStepWorkload.ProductManager)));
        _keel.RegisterWorker(new WorkerDefinition(WorkerType.Coder, "coder", "appends code", KeelWorker(ThreeStepWorkload.Coder)));
        _keel.RegisterWorker(new WorkerDefinition(WorkerType.Reviewer, "reviewer", "appends a review", KeelWorker(ThreeStepWorkload.Reviewer)));
        _keel.RegisterWorkflow(Workflows.CreateBuildWebsiteWorkflow());

        // One machine, configured once; each run resets the state it reads through the accessor.
        _machine = new StateMachine<Stage, Trigger>(() => _stage, stage => _stage = stage);
        _machine.Configure(Stage.Start).Permit(Trigger.Next, Stage.ProductManager);
        _machine.Configure(Stage.ProductManager).OnEntry(() => _value = ThreeStepWorkload.ProductManager(_value)).Permit(Trigger.Next, Stage.Coder);
        _machine.Configure(Stage.Coder).OnEntry(() => _value = ThreeStepWorkload.Coder(_value)).Permit(Trigger.Next, Stage.Reviewer);
        _machine.Configure(Stage.Reviewer).OnEntry(() => _value = ThreeStepWorkload.Reviewer(_value)).Permit(Trigger.Next, Stage.Complete);

        var productManager = ((Func<string, string>)ThreeStepWorkload.ProductManager).BindAsExecutor<string, string>("product_manager");
        var coder = ((Func<string, string>)ThreeStepWorkload.Coder).BindAsExecutor<string, string>("coder");
        var reviewer = ((Func<string, string>)ThreeStepWorkload.Reviewer).BindAsExecutor<string, string>("reviewer");
        _agentWorkflow = new WorkflowBuilder(productManager)
            .AddEdge(productManager, coder)
            .AddEdge(coder, reviewer)
            .WithOutputFrom(reviewer)
            .Build();

        // Each peer once before measuring: a wrong wiring fails here rather than in the first iteration.
        HandWrittenLoop();
        KeelRun().GetAwaiter().GetResult();
        Stateless();
        AgentFrameworkLockstep().GetAwaiter().GetResult();
        AgentFrameworkDefault().GetAwaiter().GetResult();
    }

    [Benchmark(Description = "hand-written loop (floor)")]
    public string HandWrittenLoop()
    {
        var value = ThreeStepWorkload.Goal;
        var workers = Workers;
        for (var i = 0; i < workers.Length; i++)
        {
            value = workers[i](value);
        }

        return ThreeStepWorkload.Check(value, "the hand-written loop");
    }

    // A ValueTask, so that the benchmark method's own task (73 B when the run completes at once) is not
    // counted as Keel's: the task Keel returns, ExecuteWorkflowAsync's, is.
    [Benchmark(Baseline = true, Description = "Keel, in memory")]
    public async ValueTask<string> KeelRun()
    {
        var result = await _keel.ExecuteWorkflowAsync("build_website", ThreeStepWorkload.Goal).ConfigureAwait(false);
        if (result.State != WorkflowState.Completed || result.History.Count != 3)
        {
            throw new InvalidOperationException($"Keel ended {result.State} with {result.History.Count} attempts recorded");
        }

        return ThreeStepWorkload.Check(result.FinalOutput?.GetString(), "Keel");
    }

    [Benchmark(Description = "Stateless, machine configured once")]
    public string Stateless()
    {
        _stage = Stage.Start;
        _value = ThreeStepWorkload.Goal;
        while (_stage != Stage.Complete)
        {
            _machine.Fire(Trigger.Next);
        }

        return ThreeStepWorkload.Check(_value, "Stateless");
    }

    [Benchmark(Description = "Agent Framework, Lockstep")]
    public Task<string> AgentFrameworkLockstep() => RunAgentWorkflowAsync(InProcessExecution.Lockstep, "Agent Framework (Lockstep)");

    [Benchmark(Description = "Agent Framework, default")]
    public Task<string> AgentFrameworkDefault() => RunAgentWorkflowAsync(InProcessExecution.Default, "Agent Framework (default)");

    private async Task<string> RunAgentWorkflowAsync(Microsoft.Agents.AI.Workflows.InProc.InProcessExecutionEnvironment environment, string peer)
    {
        await using var run = await environment.RunAsync(_agentWorkflow, ThreeStepWorkload.Goal).ConfigureAwait(false);
        string? output = null;
        foreach (var evt in run.NewEvents)
        {
            if (evt is WorkflowOutputEvent yielded && yielded.Data is string text)
            {
                output = text;
            }
        }

        return ThreeStepWorkload.Check(output, peer);
    }

    private static WorkerExecutor KeelWorker(Func<string, string> work)
        => (input, _, _) => new ValueTask<object?>(work(input.GetString()!));
}
