using System.Text.Json;
using System.Text.Json.Nodes;

namespace Keel.Tests.Histories;

/// <summary>
/// Golden run histories, recorded once and committed: each is replayed twice, through the routing law
/// alone (no worker) and through a real execution whose workers give back the recorded outcomes. Both
/// must reproduce the recorded path exactly; the file marked non-deterministic must be caught.
/// </summary>
public sealed class GoldenHistoryTests
{
    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "Histories");

    public static TheoryData<string> Goldens()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Folder, "*.json").Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(file));
        }

        return data;
    }

    [Fact]
    public void Goldens_Present_IncludeOneThatMustFail()
    {
        var files = Directory.GetFiles(Folder, "*.json").Select(Path.GetFileName).OfType<string>().ToArray();
        Assert.True(files.Length >= 5, "the golden histories were not copied beside the tests");
        Assert.Contains(files, f => Load(f).ExpectNonDeterministic);
    }

    [Theory]
    [MemberData(nameof(Goldens))]
    public void RoutingReplay_Golden_ReproducesRecordedPathOrReportsDivergence(string file)
    {
        var golden = Load(file);

        var report = RoutingReplay.Compare(golden.Definition, [(golden.RunId, golden.History)]);

        var verdict = Assert.Single(report.Runs).Verdict;
        foreach (var child in golden.Children)
        {
            // A child run is replayed through its own workflow's routing, as any run is.
            var childReport = RoutingReplay.Compare(child.Definition, [(child.History[0].RunId, child.History)]);
            Assert.Equal(RoutingVerdict.SamePath, Assert.Single(childReport.Runs).Verdict);
        }

        if (golden.ExpectNonDeterministic)
        {
            Assert.NotEqual(RoutingVerdict.SamePath, verdict);
        }
        else
        {
            Assert.Equal(RoutingVerdict.SamePath, verdict);
        }
    }

    [Theory]
    [MemberData(nameof(Goldens))]
    public async Task Execute_RecordedOutcomesReplayed_ReproducesGoldenHistoryExactly(string file)
    {
        var golden = Load(file);
        // A workflow with sub-workflow steps needs a store: its children are runs of their own.
        var orchestrator = new Orchestrator(new OrchestratorOptions
        {
            TimeProvider = new FixedClock(),
            RunIdFactory = () => golden.RunId,
            RunStore = golden.Children.Count > 0 ? new InMemoryRunStore() : null,
        });
        var definitions = golden.Children.Select(c => c.Definition).Prepend(golden.Definition).ToArray();
        var types = definitions.SelectMany(d => d.Steps).Where(s => s.Kind is not StepKind.Parallel and not StepKind.SubWorkflow).Select(s => s.WorkerType)
            .Concat(definitions.SelectMany(d => d.Steps).SelectMany(s => s.Branches ?? []).Select(b => b.WorkerType));
        foreach (var type in types.Distinct())
        {
            orchestrator.RegisterWorker(new WorkerDefinition(type, type.Value + " worker", "replays recorded outcomes", (input, context, ct) => Replay(golden, context)));
        }

        foreach (var definition in definitions.Reverse())
        {
            orchestrator.RegisterWorkflow(definition);
        }

        var result = await orchestrator.ExecuteWorkflowAsync(golden.Definition.Name, golden.Goal);

        var mismatch = FirstMismatch(golden.History, result.History);
        if (golden.ExpectNonDeterministic)
        {
            Assert.NotNull(mismatch);
        }
        else
        {
            Assert.Null(mismatch);
            Assert.Equal(golden.FinalState, result.State.ToString());
            foreach (var child in golden.Children)
            {
                var replayed = await orchestrator.GetResultAsync(child.History[0].RunId);
                Assert.Null(FirstMismatch(child.History, replayed.History));
            }
        }
    }

    private static ValueTask<object?> Replay(Golden golden, WorkflowContext context)
    {
        var attempt = context.Attempt;
        var history = golden.Children.Select(c => c.History).FirstOrDefault(h => h[0].RunId == context.RunId) ?? golden.History;
        var recorded = history.FirstOrDefault(e => e.StepId == attempt.StepId && e.Visit == attempt.Visit && e.Attempt == attempt.Number)
            ?? throw new InvalidOperationException($"no recorded outcome for {attempt.StepId} visit {attempt.Visit} attempt {attempt.Number}");
        if (recorded.Outcome == AttemptOutcome.Succeeded)
        {
            return ValueTask.FromResult<object?>(recorded.Output);
        }

        const string prefix = "InvalidOperationException: ";
        var message = recorded.Error is { } error && error.StartsWith(prefix, StringComparison.Ordinal) ? error[prefix.Length..] : recorded.Error;
        throw new InvalidOperationException(message);
    }

    /// <summary>The first entry that differs in anything but time, or null when the histories match.</summary>
    private static string? FirstMismatch(IReadOnlyList<HistoryEntry> expected, IReadOnlyList<HistoryEntry> actual)
    {
        for (var i = 0; i < Math.Max(expected.Count, actual.Count); i++)
        {
            if (i >= expected.Count || i >= actual.Count)
            {
                return $"#{i}: the histories have different lengths ({expected.Count} recorded, {actual.Count} replayed)";
            }

            var e = expected[i];
            var a = actual[i];
            var same = e.Sequence == a.Sequence && e.StepId == a.StepId && e.WorkerType == a.WorkerType && e.Visit == a.Visit
                && e.Attempt == a.Attempt && e.Outcome == a.Outcome && e.NextStep == a.NextStep && e.Error == a.Error
                && JsonEquals(e.Input, a.Input) && JsonEquals(e.Output, a.Output);
            if (!same)
            {
                return $"#{i}: recorded {e.StepId}#{e.Visit}.{e.Attempt} {e.Outcome} -> {e.NextStep}, replayed {a.StepId}#{a.Visit}.{a.Attempt} {a.Outcome} -> {a.NextStep}";
            }
        }

        return null;
    }

    private static bool JsonEquals(JsonElement left, JsonElement right)
        => left.ValueKind == JsonValueKind.Undefined || right.ValueKind == JsonValueKind.Undefined
            ? left.ValueKind == right.ValueKind
            : JsonElement.DeepEquals(left, right);

    private static Golden Load(string file)
    {
        var root = JsonNode.Parse(File.ReadAllText(Path.Combine(Folder, file)))!.AsObject();
        var history = root["history"]!.Deserialize<List<HistoryEntry>>(KeelJson.Options)!;
        return new Golden(
            WorkflowDefinitionJson.Deserialize(root["definition"]!.ToJsonString()),
            history,
            history[0].RunId,
            history[0].Input.GetString()!,
            root["final_state"]!.GetValue<string>(),
            root["expect_nondeterministic"]?.GetValue<bool>() ?? false,
            root["children"] is JsonArray children
                ? children.Select(c => new GoldenChild(
                    WorkflowDefinitionJson.Deserialize(c!["definition"]!.ToJsonString()),
                    c["history"]!.Deserialize<List<HistoryEntry>>(KeelJson.Options)!)).ToArray()
                : []);
    }

    /// <summary>A golden run; <see cref="Children"/> are the child runs of its sub-workflow steps, each with its workflow.</summary>
    private sealed record Golden(WorkflowDefinition Definition, IReadOnlyList<HistoryEntry> History, string RunId, string Goal, string FinalState, bool ExpectNonDeterministic, IReadOnlyList<GoldenChild> Children);

    private sealed record GoldenChild(WorkflowDefinition Definition, IReadOnlyList<HistoryEntry> History);

    private sealed class FixedClock : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

        public override long GetTimestamp() => 0;
    }
}
