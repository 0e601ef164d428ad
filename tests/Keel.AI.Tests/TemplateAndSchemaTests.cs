
namespace Keel.AI.Tests;

public sealed class TemplateAndSchemaTests
{
    [Fact]
    public void UnsupportedPlaceholder_IsRefusedWhenTheWorkerIsCreated()
    {
        var error = Assert.Throws<KeelException>(() => PromptTemplate.Parse("Hello {{user.name}}", "Greeter"));
        Assert.Equal("Worker 'Greeter': instructions template placeholder '{{user.name}}' at character 6 is not supported; use {{input}}, {{input.path}}, {{goal}}, {{data.key}} or {{feedback}}.", error.Message);
        Assert.Contains("no closing", Assert.Throws<KeelException>(() => PromptTemplate.Parse("Hello {{input", "Greeter")).Message);
    }

    [Theory]
    [InlineData("""{"properties":{"a":{"type":"strin"}}}""", "has the type 'strin' at $.properties.a, which is not a JSON Schema type")]
    [InlineData("""{"type":"array","items":{"type":["string",5]}}""", "has a 'type' at $.items that is not a string or an array of strings")]
    [InlineData("""{"type":"object","required":"a"}""", "has a 'required' at $ that is not an array of property names")]
    [InlineData("""{"type":"object","properties":[]}""", "has 'properties' at $ that is not an object of schemas")]
    public void OutputSchema_MisusingAKeyword_IsRefusedWhenTheWorkerIsCreated_NamingWhere(string schema, string expected)
    {
        using var document = System.Text.Json.JsonDocument.Parse(schema);

        var error = Assert.Throws<KeelException>(() => JsonSchemaValidator.EnsureUsable(document.RootElement, "Reviewer"));

        Assert.Contains("Worker 'Reviewer': the output schema " + expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Template_RendersInputPathsGoalAndData_AndAMissingValueFailsTheAttempt()
    {
        string? rendered = null;
        var template = PromptTemplate.Parse("{{goal}} | {{input.items.1.name}} | {{data.style.colour}} | {{input}}", "w");
        var orchestrator = new Orchestrator();
        orchestrator.RegisterWorker(WorkerDefinition.FromFunction("w", "W", (input, context) => rendered = template.Render(input, context)));
        var workflow = new WorkflowDefinition("t");
        workflow.AddStep(new WorkflowStep("render", "w") { InputTransformer = _ => new { items = new[] { new { name = "a" }, new { name = "b" } } } }, isInitial: true);
        orchestrator.RegisterWorkflow(workflow);

        await orchestrator.ExecuteWorkflowAsync("t", "goal!", new ExecuteOptions { Data = new Dictionary<string, object?> { ["style"] = new { colour = "teal" } } });
        Assert.Equal("""goal! | b | teal | {"items":[{"name":"a"},{"name":"b"}]}""", rendered);

        var failed = await orchestrator.ExecuteWorkflowAsync("t", "goal!");
        Assert.Contains("the data bus has no key 'style' (step 'render')", failed.History[0].Error);
    }

    [Theory]
    [InlineData("""{"name":"a","tags":["x"],"kind":"page"}""", "")]
    [InlineData("""{"tags":["x"]}""", "$: required property 'name' is missing")]
    [InlineData("""{"name":3}""", "$.name: expected string, got number")]
    [InlineData("""{"name":"a","tags":[1]}""", "$.tags[0]: expected string, got number")]
    [InlineData("""{"name":"a","kind":"post"}""", "$.kind: \"post\" is not one of [\"page\",\"site\"]")]
    [InlineData("""{"name":"a","size":2}""", "$: property 'size' is not allowed")]
    [InlineData("""{"name":"a","count":1.5}""", "$.count: expected integer or null, got number")]
    [InlineData("""[1]""", "$: expected object, got array")]
    public void Validator_ChecksTheSupportedSubset(string value, string expected)
    {
        var schema = KeelJson.Parse("""
            {"type":"object","required":["name"],"additionalProperties":false,
             "properties":{"name":{"type":"string"},"tags":{"type":"array","items":{"type":"string"}},
                           "kind":{"enum":["page","site"]},"count":{"type":["integer","null"]}}}
            """);

        var errors = JsonSchemaValidator.Validate(schema, KeelJson.Parse(value));

        Assert.Equal(expected, string.Join("; ", errors));
    }

    [Fact]
    public void TypedWorker_DerivesItsSchemaFromTheType()
    {
        var schema = Microsoft.Extensions.AI.AIJsonUtilities.CreateJsonSchema(typeof(Spec), serializerOptions: KeelJson.Options);

        Assert.Empty(JsonSchemaValidator.Validate(schema, KeelJson.Parse(Website.SpecJson)));
        Assert.NotEmpty(JsonSchemaValidator.Validate(schema, KeelJson.Parse("""{"title":1,"sections":[]}""")));
    }

    [Fact]
    public void PriceTable_MatchesTheLongestPrefix()
    {
        var prices = new PriceTable().Add("gpt-4o", 2.5m, 10m).Add("gpt-4o-mini", 0.15m, 0.6m);

        Assert.Equal(0.75m, prices.Cost("gpt-4o-mini-2024-07-18", 1_000_000, 1_000_000));
        Assert.Equal(12.5m, prices.Cost("GPT-4o", 1_000_000, 1_000_000));
        Assert.Null(prices.Cost("llama3.2", 10, 10));
    }

    [Fact]
    public void Redactor_RemovesKeysBearerTokensAndKeyShapedStrings()
    {
        var redactor = new SecretRedactor(["my-own-secret"]);

        Assert.Equal("a [redacted] b Bearer [redacted] c [redacted]", redactor.Redact("a my-own-secret b Bearer abc.def-ghi_jkl c sk-proj-ABCDEFGH12"));
    }
}
