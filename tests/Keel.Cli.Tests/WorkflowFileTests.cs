using System.Text.Json;

namespace Keel.Cli.Tests;

public sealed class WorkflowFileTests
{
    [Theory]
    [InlineData("build-website.yaml")]
    [InlineData("build-website.json")]
    public void Load_BuildWebsiteFile_IsTheLibrarysPrebuiltDefinition(string name)
    {
        var loaded = WorkflowDocument.Load(Path.Combine(KeelProcess.Examples, name));

        Assert.True(loaded.IsValid, string.Join("\n", loaded.Problems));
        Assert.Equal(
            WorkflowDefinitionJson.Serialize(Workflows.CreateBuildWebsiteWorkflow()),
            WorkflowDefinitionJson.Serialize(loaded.File!.Definition));
        Assert.All(loaded.File.Workers.Values, w => Assert.Equal(WorkerKind.Builtin, w.Kind));
    }

    [Fact]
    public void Parse_Yaml_MapsEveryStepField()
    {
        var loaded = WorkflowFileLoader.Parse("w.yaml", "/tmp/w.yaml", """
            name: full
            initial_step: b
            max_steps: 7
            workers:
              tool:
                kind: command
                command: ./run.sh
                args: [--fast, "two words"]
                working_dir: scripts
                env: { MODE: test }
              writer:
                kind: llm
                instructions: Write it.
                model: small
                output_schema: { type: object, required: [text] }
            steps:
              - id: a
                worker: tool
                on_success: complete
              - id: b
                worker: writer
                on_success: a
                on_failure: gate
                max_retries: 3
                timeout: 1.5m
                retry_delay: 500ms
                retry_backoff: 3
              - id: gate
                approval: Go on?
                on_success: a
            """);

        Assert.True(loaded.IsValid, string.Join("\n", loaded.Problems));
        var definition = loaded.File!.Definition;
        Assert.Equal("b", definition.InitialStep);
        Assert.Equal(7, definition.MaxSteps);
        var b = definition.GetStep("b")!;
        Assert.Equal(3, b.MaxRetries);
        Assert.Equal(TimeSpan.FromSeconds(90), b.Timeout);
        Assert.Equal(TimeSpan.FromMilliseconds(500), b.RetryDelay);
        Assert.Equal(3.0, b.RetryBackoff);
        Assert.Equal("gate", b.OnFailure);
        Assert.Equal(StepKind.Approval, definition.GetStep("gate")!.Kind);
        Assert.Equal("Go on?", definition.GetStep("gate")!.Prompt);
        var tool = loaded.File.Workers["tool"];
        Assert.Equal(["--fast", "two words"], tool.Args);
        Assert.Equal("scripts", tool.WorkingDir);
        Assert.Equal("test", tool.Env["MODE"]);
        var writer = loaded.File.Workers["writer"];
        Assert.Equal(WorkerKind.Llm, writer.Kind);
        Assert.Equal("small", writer.Model);
        Assert.Equal("""{"type":"object","required":["text"]}""", writer.OutputSchema!.Value.GetRawText());
    }

    [Fact]
    public void Parse_ApprovalStepWithWorker_AndUnknownField_AreReportedWithPositions()
    {
        var loaded = WorkflowFileLoader.Parse("w.yaml", "/tmp/w.yaml", "name: x\nsteps:\n  - id: gate\n    approval: Ok?\n    worker: coder\n    colour: red\n");

        Assert.False(loaded.IsValid);
        Assert.Contains(loaded.Problems, p => p.Line == 5 && p.Column == 13 && p.Message.Contains("approval step: it takes no worker", StringComparison.Ordinal));
        Assert.Contains(loaded.Problems, p => p.Line == 6 && p.Column == 5 && p.Message.StartsWith("unknown field 'colour' in a step (expected one of: id, worker,", StringComparison.Ordinal));
    }

    [Fact]
    public void Schema_DeclaresExactlyTheFieldsTheLoaderReads()
    {
        using var schema = JsonDocument.Parse(File.ReadAllText(Path.Combine(KeelProcess.RepositoryRoot, "schemas", "keel-workflow.schema.json")));
        var root = schema.RootElement;
        var top = root.GetProperty("properties").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal);
        var step = root.GetProperty("$defs").GetProperty("step").GetProperty("properties").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal);
        var kinds = root.GetProperty("$defs").GetProperty("worker").GetProperty("oneOf").EnumerateArray()
            .ToDictionary(k => k.GetProperty("properties").GetProperty("kind").GetProperty("const").GetString()!, k => k.GetProperty("properties").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).ToArray());

        Assert.Equal(WorkflowFileParser.TopFields.Order(StringComparer.Ordinal), top);
        Assert.Equal(WorkflowFileParser.StepFieldNames.Order(StringComparer.Ordinal), step);
        Assert.Equal(WorkflowFileParser.BuiltinFields.Order(StringComparer.Ordinal), kinds["builtin"]);
        Assert.Equal(WorkflowFileParser.CommandFields.Order(StringComparer.Ordinal), kinds["command"]);
        Assert.Equal(WorkflowFileParser.LlmFields.Order(StringComparer.Ordinal), kinds["llm"]);
    }

    [Fact]
    public void Schema_IsShippedBesideTheTool()
    {
        Assert.True(File.Exists(Path.Combine(AppContext.BaseDirectory, "schemas", "keel-workflow.schema.json")));
    }

    [Fact]
    public void Docs_AnnotatedExample_IsAValidWorkflowFile()
    {
        var docs = File.ReadAllText(Path.Combine(KeelProcess.RepositoryRoot, "docs", "workflow-files.md"));
        var start = docs.IndexOf("```yaml\n", StringComparison.Ordinal) + "```yaml\n".Length;
        var yaml = docs[start..docs.IndexOf("```", start, StringComparison.Ordinal)];

        var loaded = WorkflowFileLoader.Parse("workflow-files.md", Path.Combine(KeelProcess.RepositoryRoot, "docs", "example.yaml"), yaml);

        Assert.True(loaded.IsValid, string.Join("\n", loaded.Problems));
        Assert.Equal("release-with-approval", loaded.File!.Definition.Name);
        Assert.Equal(3, loaded.File.Definition.Steps.Count);
    }
}
