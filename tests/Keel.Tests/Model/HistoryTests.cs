using System.Text.Json;
using Keel.Tests.Fakes;

namespace Keel.Tests.Model;

public sealed class HistoryTests
{
    private static async Task<(WorkflowResult Result, RecordingTimeProvider Clock)> RunBuildWebsite()
    {
        var clock = new RecordingTimeProvider();
        var (pm, coder, reviewer) = Hub.BuildWebsiteWorkers();
        pm.OnCall = (_, _) =>
        {
            clock.Advance(TimeSpan.FromSeconds(2));
            return new { title = "Portfolio" };
        };
        coder.OnCall = (call, _) =>
        {
            clock.Advance(TimeSpan.FromSeconds(3));
            return call.Attempt == 1 ? Hub.Fail("syntax error") : "<html/>";
        };
        var orchestrator = Hub.Create(clock).With(pm, coder, reviewer);
        orchestrator.RegisterWorkflow(Workflows.CreateBuildWebsiteWorkflow());
        var result = await orchestrator.ExecuteWorkflowAsync("build_website", "Portfolio", new ExecuteOptions { RunId = "run-history" });
        return (result, clock);
    }

    [Fact]
    public async Task History_PrintedAsText_ShowsEachEntryNotATypeName()
    {
        var (result, _) = await RunBuildWebsite();
        string? seenInWorker = null;

        var printed = $"History: {result.History}";

        Assert.Equal(
            "History: [#0 create_specs (product_manager) attempt 1: succeeded in 2 s -> implement_code, "
                + "#1 implement_code (coder) attempt 1: failed in 3 s: InvalidOperationException: syntax error -> implement_code, "
                + "#2 implement_code (coder) attempt 2: succeeded in 3 s -> review_code, "
                + "#3 review_code (reviewer) attempt 1: succeeded in 0 ms -> complete]",
            printed);
        Assert.Equal("#3 review_code (reviewer) attempt 1: succeeded in 0 ms -> complete", result.History[3].ToString());
        Assert.Equal($"build_website run run-history: completed at 'complete', 4 entries", result.ToString());

        var (pm, coder, reviewer) = Hub.BuildWebsiteWorkers();
        reviewer.OnCall = (_, context) =>
        {
            seenInWorker = context.History.ToString();
            return "ok";
        };
        var orchestrator = Hub.Create(new RecordingTimeProvider()).With(pm, coder, reviewer);
        orchestrator.RegisterWorkflow(Workflows.CreateBuildWebsiteWorkflow());
        await orchestrator.ExecuteWorkflowAsync("build_website", "g");
        Assert.StartsWith("[#0 create_specs (product_manager) attempt 1: succeeded in 0 ms -> implement_code, #1 implement_code", seenInWorker, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0.5, "0.5 ms")]
    [InlineData(500, "500 ms")]
    [InlineData(1500, "1.5 s")]
    [InlineData(2000, "2 s")]
    [InlineData(120_000, "2 min")]
    [InlineData(125_000, "2 min 5 s")]
    [InlineData(5_400_000, "1 h 30 min")]
    [InlineData(172_800_000, "2 d")]
    public void DurationText_ReadsAsPeopleWriteIt(double milliseconds, string expected)
        => Assert.Equal(expected, DurationText.Format(TimeSpan.FromMilliseconds(milliseconds)));

    [Fact]
    public async Task Execute_EachAttempt_RecordsAFullEntry()
    {
        var (result, _) = await RunBuildWebsite();
        var h = result.History;

        Assert.Equal(4, h.Count);
        Assert.Equal([0, 1, 2, 3], h.Select(e => e.Sequence));
        Assert.All(h, e => Assert.Equal("run-history", e.RunId));

        Assert.Equal("create_specs", h[0].StepId);
        Assert.Equal(WorkerType.ProductManager, h[0].WorkerType);
        Assert.Equal("PM", h[0].WorkerName);
        Assert.Equal((1, 1), (h[0].Visit, h[0].Attempt));
        Assert.Equal(AttemptOutcome.Succeeded, h[0].Outcome);
        Assert.Equal("Portfolio", h[0].Input.GetString());
        Assert.Equal("Portfolio", h[0].Output.GetProperty("title").GetString());
        Assert.Null(h[0].Error);
        Assert.Equal(RecordingTimeProvider.Epoch, h[0].Timestamp);
        Assert.Equal(TimeSpan.FromSeconds(2), h[0].Duration);
        Assert.Equal("implement_code", h[0].NextStep);

        Assert.Equal(("implement_code", "coder", "Coder", 1, 1, AttemptOutcome.Failed), (h[1].StepId, h[1].WorkerType.Value, h[1].WorkerName, h[1].Visit, h[1].Attempt, h[1].Outcome));
        Assert.Equal(JsonValueKind.Undefined, h[1].Output.ValueKind);
        Assert.Contains("syntax error", h[1].Error, StringComparison.Ordinal);
        Assert.Equal("Portfolio", h[1].Input.GetProperty("title").GetString());
        Assert.Equal(RecordingTimeProvider.Epoch + TimeSpan.FromSeconds(2), h[1].Timestamp);
        Assert.Equal(TimeSpan.FromSeconds(3), h[1].Duration);
        Assert.Equal("implement_code", h[1].NextStep);

        Assert.Equal((2, RecordingTimeProvider.Epoch + TimeSpan.FromSeconds(5), "review_code"), (h[2].Attempt, h[2].Timestamp, h[2].NextStep));
        Assert.Equal(("review_code", WorkflowStep.Complete), (h[3].StepId, h[3].NextStep));
        Assert.Equal(TimeSpan.Zero, h[3].Duration);
        Assert.Equal("run-history:implement_code:1:2", h[2].IdempotencyKey);
    }

    [Fact]
    public async Task HistoryEntry_Serialised_UsesStableStringIdsOnly()
    {
        var (result, _) = await RunBuildWebsite();

        foreach (var entry in result.History)
        {
            var json = JsonSerializer.Serialize(entry, KeelJson.Options);
            Assert.DoesNotContain("Keel.", json, StringComparison.Ordinal);
            Assert.DoesNotContain("System.", json, StringComparison.Ordinal);
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            Assert.Equal(entry.WorkerType.Value, root.GetProperty("worker_type").GetString());
            Assert.Equal(entry.StepId, root.GetProperty("step_id").GetString());
            Assert.Equal(JsonValueKind.String, root.GetProperty("outcome").ValueKind);
            Assert.Equal(entry.NextStep, root.GetProperty("next_step").GetString());
        }

        // A failed attempt has no output: it is left out rather than making the entry unserialisable.
        var failed = JsonSerializer.Serialize(result.History[1], KeelJson.Options);
        Assert.DoesNotContain("\"output\"", failed, StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Undefined, JsonSerializer.Deserialize<HistoryEntry>(failed, KeelJson.Options)!.Output.ValueKind);
        Assert.Contains("\"outcome\":\"failed\"", failed, StringComparison.Ordinal);
        Assert.Contains("\"worker_type\":\"coder\"", failed, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HistoryEntry_RoundTripsThroughJson()
    {
        var (result, _) = await RunBuildWebsite();
        var entry = result.History[2];

        var back = JsonSerializer.Deserialize<HistoryEntry>(JsonSerializer.Serialize(entry, KeelJson.Options), KeelJson.Options)!;

        Assert.Equal((entry.StepId, entry.WorkerType, entry.Visit, entry.Attempt, entry.Outcome, entry.NextStep, entry.Timestamp, entry.Duration), (back.StepId, back.WorkerType, back.Visit, back.Attempt, back.Outcome, back.NextStep, back.Timestamp, back.Duration));
        Assert.Equal(entry.Output.GetRawText(), back.Output.GetRawText());
    }

    [Fact]
    public void WorkerType_SerialisesAsItsString_AndComparesCaseInsensitively()
    {
        WorkerType custom = "Data_Scientist";

        Assert.Equal("\"data_scientist\"", JsonSerializer.Serialize(custom, KeelJson.Options));
        Assert.Equal(new WorkerType("data_scientist"), custom);
        Assert.Equal(custom, JsonSerializer.Deserialize<WorkerType>("\"DATA_SCIENTIST\"", KeelJson.Options));
        Assert.Equal("product_manager", WorkerType.ProductManager.ToString());
    }

    [Fact]
    public async Task Execute_DataBusChanges_AreVisibleToLaterStepsAsJson()
    {
        var (pm, coder, reviewer) = Hub.BuildWebsiteWorkers();
        pm.OnCall = (_, context) =>
        {
            context.Data["palette"] = new[] { "navy", "white" };
            return "specs";
        };
        string[]? seen = null;
        coder.OnCall = (_, context) =>
        {
            seen = context.Data.Get<string[]>("palette");
            return "code";
        };
        var orchestrator = Hub.Create(new RecordingTimeProvider()).With(pm, coder, reviewer);
        orchestrator.RegisterWorkflow(Workflows.CreateBuildWebsiteWorkflow());

        var result = await orchestrator.ExecuteWorkflowAsync("build_website", "g", data: new Dictionary<string, object?> { ["tech_stack"] = "html" });

        Assert.Equal(["navy", "white"], seen!);
        Assert.Equal("html", result.Data["tech_stack"].GetString());
        Assert.Equal(JsonValueKind.Array, result.Data["palette"].ValueKind);
    }
}
