namespace Keel.Workflows.Tests;

public sealed class RoundTripTests
{
    public static TheoryData<string> Examples() => [.. Repository.ExampleFiles().Select(f => Path.GetFileName(f))];

    [Theory]
    [MemberData(nameof(Examples))]
    public void Write_EveryExampleFile_ReadsBackToTheSameDefinitionInBothFormats(string name)
    {
        var file = WorkflowDocument.Load(Path.Combine(Repository.Examples, name)).EnsureValid();

        foreach (var format in new[] { WorkflowFormat.Yaml, WorkflowFormat.Json })
        {
            var text = WorkflowDocument.Write(file.Definition, file.Workers.Values, format);
            var again = WorkflowDocument.Parse(text, format, "written." + format.ToString().ToLowerInvariant(), new WorkflowReadOptions { BaseDirectory = Repository.Examples });

            Assert.True(again.IsValid, text + "\n" + string.Join("\n", again.Problems));
            Assert.Equal(WorkflowDefinitionJson.Serialize(file.Definition), WorkflowDefinitionJson.Serialize(again.File!.Definition));
            Assert.Equal(Declarations(file), Declarations(again.File));
        }
    }

    [Fact]
    public void Write_EveryStepField_IsExpressibleAndReadBack()
    {
        var definition = new WorkflowDefinition("full", "every field", "a goal") { MaxSteps = 42, InitialStep = "b" }
            .AddStep(new WorkflowStep("a", "coder", onSuccess: "gate"))
            .AddStep(new WorkflowStep
            {
                StepId = "b",
                WorkerType = "reviewer",
                Description = "it's <b> + é: \"quoted\"\nsecond line",
                OnSuccess = "a",
                OnFailure = "failed",
                MaxRetries = 3,
                Timeout = TimeSpan.FromTicks(12_345_678),
                RetryDelay = TimeSpan.FromMilliseconds(1500),
                RetryBackoff = 1.5,
                MaxRetryDelay = TimeSpan.FromMinutes(7),
            })
            .AddStep(WorkflowStep.Approval("gate", "Ship it?", WorkflowStep.Complete, "b", "the release gate"));

        foreach (var format in new[] { WorkflowFormat.Yaml, WorkflowFormat.Json })
        {
            var text = WorkflowDocument.Write(definition, format: format);
            var read = WorkflowDocument.Parse(text, format).EnsureValid().Definition;

            Assert.Equal(Fields(definition), Fields(read));
        }
    }

    [Fact]
    public void Write_Json_HasNoNeedlessEscapes()
    {
        var definition = new WorkflowDefinition("w", "it's a > b + c, café").AddStep(new WorkflowStep("a", "coder"));

        var json = WorkflowDocument.Write(definition, format: WorkflowFormat.Json);

        Assert.Contains("it's a > b + c, café", json, StringComparison.Ordinal);
    }

    internal static string Fields(WorkflowDefinition definition)
        => string.Join("\n", new[] { $"{definition.Name}|{definition.Description}|{definition.Goal}|{definition.InitialStep}|{definition.MaxSteps}" }
            .Concat(definition.Steps.Select(s => $"{s.StepId}|{s.Kind}|{s.WorkerType.Value}|{s.Description}|{s.Prompt}|{s.OnSuccess}|{s.OnFailure}|{s.MaxRetries}|{s.Timeout?.Ticks}|{s.RetryDelay?.Ticks}|{s.RetryBackoff:R}|{s.MaxRetryDelay.Ticks}")));

    private static string Declarations(WorkflowFile file) => Declarations(file.Workers.Values);

    internal static string Declarations(IEnumerable<WorkerDeclaration> workers)
        => string.Join("\n", workers.OrderBy(w => w.WorkerType, StringComparer.Ordinal).Select(w =>
            $"{w.WorkerType}|{w.Kind}|{w.Description}|{w.Command}|{string.Join(",", w.Args)}|{w.WorkingDir}|{string.Join(",", w.Env.OrderBy(e => e.Key, StringComparer.Ordinal))}|{w.Instructions}|{w.Model}|{w.OutputSchema?.GetRawText()}"));
}
