using Keel.Tests.Fakes;
using Microsoft.Extensions.Logging;

namespace Keel.Tests.Telemetry;

public sealed class VerboseLoggingTests
{
    [Fact]
    public async Task Execute_VerboseWithLoggerFactory_LogsEveryTransitionThroughILogger()
    {
        var logs = new CapturingLoggerFactory();
        var (pm, coder, reviewer) = Hub.BuildWebsiteWorkers();
        reviewer.OnCall = (call, _) => call.Visit == 1 ? Hub.Fail("too plain") : "ok";
        var orchestrator = Hub.Create(new RecordingTimeProvider(), loggerFactory: logs).With(pm, coder, reviewer);
        orchestrator.RegisterWorkflow(Workflows.CreateBuildWebsiteWorkflow());

        var result = await orchestrator.ExecuteWorkflowAsync("build_website", "Portfolio", verbose: true);

        var messages = logs.Logs.Where(l => l.Category == "Keel").ToList();
        Assert.Contains(messages, l => l.EventId == 100 && l.Message.Contains(result.RunId, StringComparison.Ordinal) && l.Message.Contains("'create_specs'", StringComparison.Ordinal));
        var transitions = messages.Where(l => l.EventId == 200).Select(l => l.Message).ToList();
        Assert.Equal(result.History.Count, transitions.Count);
        for (var i = 0; i < result.History.Count; i++)
        {
            var entry = result.History[i];
            Assert.StartsWith($"{entry.StepId} [{entry.WorkerType}/{entry.WorkerName}] attempt {entry.Attempt}: {entry.Outcome}", transitions[i], StringComparison.Ordinal);
            Assert.EndsWith("-> " + entry.NextStep, transitions[i], StringComparison.Ordinal);
        }

        var failure = Assert.Single(messages, l => l.EventId == 201);
        Assert.Equal(LogLevel.Warning, failure.Level);
        Assert.Contains("too plain", failure.Message, StringComparison.Ordinal);
        Assert.Contains(messages, l => l.EventId == 101 && l.Message.Contains("Completed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Execute_PayloadsAreLoggedOnlyAtTrace()
    {
        var logs = new CapturingLoggerFactory();
        var (pm, coder, reviewer) = Hub.BuildWebsiteWorkers();
        pm.OnCall = (_, _) => "secret-spec";
        var orchestrator = Hub.Create(new RecordingTimeProvider(), loggerFactory: logs).With(pm, coder, reviewer);
        orchestrator.RegisterWorkflow(Workflows.CreateBuildWebsiteWorkflow());

        await orchestrator.ExecuteWorkflowAsync("build_website", "Portfolio", verbose: true);

        Assert.All(
            logs.Logs.Where(l => l.Message.Contains("secret-spec", StringComparison.Ordinal)),
            l => Assert.Equal(LogLevel.Trace, l.Level));
        Assert.Contains(logs.Logs, l => l.Level == LogLevel.Trace && l.Message.Contains("secret-spec", StringComparison.Ordinal));
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ConsoleCollection
{
    public const string Name = "Console output";
}

[Collection(ConsoleCollection.Name)]
public sealed class ConsoleVerboseTests
{
    private static async Task<(string Output, WorkflowResult Result)> RunCapturingConsole(bool verbose)
    {
        var (pm, coder, reviewer) = Hub.BuildWebsiteWorkers();
        var orchestrator = Hub.Create(new RecordingTimeProvider()).With(pm, coder, reviewer);
        orchestrator.RegisterWorkflow(Workflows.CreateBuildWebsiteWorkflow());
        var original = Console.Out;
        using var writer = new StringWriter();
        Console.SetOut(writer);
        try
        {
            var result = await orchestrator.ExecuteWorkflowAsync("build_website", "Portfolio", verbose: verbose);
            return (writer.ToString(), result);
        }
        finally
        {
            Console.SetOut(original);
        }
    }

    [Fact]
    public async Task Execute_VerboseWithoutLoggerFactory_WritesEachTransitionToTheConsole()
    {
        var (output, result) = await RunCapturingConsole(verbose: true);

        var lines = output.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries).Where(l => l.Contains(result.RunId, StringComparison.Ordinal) || l.Contains(" attempt ", StringComparison.Ordinal)).ToList();
        Assert.All(lines, l => Assert.StartsWith("[keel] ", l, StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains($"Run {result.RunId} of workflow 'build_website' started", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("create_specs [product_manager/PM] attempt 1: Succeeded", StringComparison.Ordinal) && l.EndsWith("-> implement_code", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("implement_code [coder/Coder] attempt 1: Succeeded", StringComparison.Ordinal) && l.EndsWith("-> review_code", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("review_code [reviewer/Reviewer] attempt 1: Succeeded", StringComparison.Ordinal) && l.EndsWith("-> complete", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains($"Run {result.RunId} ended Completed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Execute_NotVerboseWithoutLoggerFactory_WritesNothing()
    {
        var (output, _) = await RunCapturingConsole(verbose: false);

        Assert.Equal(string.Empty, output);
    }
}
