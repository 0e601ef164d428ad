using System.Text;
using System.Text.Json;
using Json.Schema;

namespace Keel.Workflows.Tests;

/// <summary>The JSON Schema in schemas/ and the reader describe the same document.</summary>
public sealed class SchemaTests
{
    private static readonly Lazy<JsonSchema> Schema = new(() => JsonSchema.FromText(File.ReadAllText(Repository.Schema)));

    private static JsonElement Root => JsonDocument.Parse(File.ReadAllText(Repository.Schema)).RootElement;

    [Fact]
    public void Schema_DeclaresExactlyTheFieldsTheReaderAccepts()
    {
        var root = Root;
        var top = Names(root.GetProperty("properties"));
        var step = Names(root.GetProperty("$defs").GetProperty("step").GetProperty("properties"));
        var kinds = root.GetProperty("$defs").GetProperty("worker").GetProperty("oneOf").EnumerateArray()
            .ToDictionary(k => k.GetProperty("properties").GetProperty("kind").GetProperty("const").GetString()!, k => Names(k.GetProperty("properties")));

        Assert.Equal(WorkflowFileParser.TopFields.Order(StringComparer.Ordinal), top);
        Assert.Equal(StepFields.Names.Order(StringComparer.Ordinal), step);
        Assert.Equal(WorkflowFileParser.BuiltinFields.Order(StringComparer.Ordinal), kinds["builtin"]);
        Assert.Equal(WorkflowFileParser.CommandFields.Order(StringComparer.Ordinal), kinds["command"]);
        Assert.Equal(WorkflowFileParser.LlmFields.Order(StringComparer.Ordinal), kinds["llm"]);
    }

    [Fact]
    public void Schema_StatesTheBoundsTheValidatorChecks()
    {
        var root = Root;
        var step = root.GetProperty("$defs").GetProperty("step").GetProperty("properties");

        Assert.Equal(WorkflowLimits.MaxRetries, step.GetProperty("max_retries").GetProperty("maximum").GetInt32());
        Assert.Equal(WorkflowLimits.MinRetryBackoff, step.GetProperty("retry_backoff").GetProperty("minimum").GetDouble());
        Assert.Equal(WorkflowLimits.MaxRetryBackoff, step.GetProperty("retry_backoff").GetProperty("maximum").GetDouble());
        Assert.Equal(WorkflowLimits.MaxStepBudget, root.GetProperty("properties").GetProperty("max_steps").GetProperty("maximum").GetInt32());
        Assert.Equal(WorkflowLimits.MaxStepCount, root.GetProperty("properties").GetProperty("steps").GetProperty("maxItems").GetInt32());
    }

    public static TheoryData<string> Examples() => [.. Repository.ExampleFiles().Select(f => Path.GetFileName(f))];

    [Theory]
    [MemberData(nameof(Examples))]
    public void Schema_AcceptsEveryExampleFile_AndWhatTheWriterWritesOfIt(string name)
    {
        var path = Path.Combine(Repository.Examples, name);
        var file = WorkflowDocument.Load(path).EnsureValid();

        AssertValid(name, AsJson(File.ReadAllText(path), name.EndsWith(".json", StringComparison.Ordinal)));
        AssertValid(name + " (written)", AsJson(WorkflowDocument.Write(file.Definition, file.Workers.Values, WorkflowFormat.Json), isJson: true));
    }

    [Theory]
    [InlineData("max_retries: 101")]
    [InlineData("retry_backoff: 0.5")]
    [InlineData("colour: red")]
    [InlineData("timeout: 5 minutes")]
    public void Schema_RefusesWhatTheReaderRefuses(string field)
    {
        var yaml = $"name: w\nsteps:\n  - id: a\n    worker: coder\n    {field}\n";

        Assert.False(WorkflowDocument.Parse(yaml).IsValid);
        Assert.False(Schema.Value.Evaluate(AsJson(yaml, isJson: false)).IsValid);
    }

    internal static void AssertValid(string name, JsonElement document)
    {
        var result = Schema.Value.Evaluate(document, new EvaluationOptions { OutputFormat = OutputFormat.List });
        Assert.True(result.IsValid, name + ": " + string.Join("; ", (result.Details ?? []).Where(d => d.Errors is not null).SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Value}"))));
    }

    /// <summary>A workflow file's document as JSON, read by the reader (so YAML and JSON compare alike).</summary>
    internal static JsonElement AsJson(string text, bool isJson)
    {
        var problems = new List<WorkflowFileProblem>();
        var node = isJson ? JsonDocReader.Read("f", text, WorkflowReadOptions.Default, problems) : YamlDocReader.Read("f", text, WorkflowReadOptions.Default, problems);
        Assert.Empty(problems);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            WorkflowFileWriter.WriteJson(writer, node!);
        }

        return JsonDocument.Parse(Encoding.UTF8.GetString(buffer.ToArray())).RootElement.Clone();
    }

    private static string[] Names(JsonElement properties) => [.. properties.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal)];
}
