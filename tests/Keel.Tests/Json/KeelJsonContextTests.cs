using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Keel.Tests.Events;
using Keel.Tests.Fakes;

namespace Keel.Tests.Json;

/// <summary>
/// The metadata generated at compile time, which a natively compiled keel reads and writes Keel's records
/// with (reflection is off there), gives byte for byte the text that the reflection-built metadata gives.
/// </summary>
public sealed class KeelJsonContextTests
{
    private static readonly JsonSerializerOptions Generated = KeelJson.CreateOptions(reflection: false);

    [Theory]
    [MemberData(nameof(RunEventJsonWriteTests.Events), MemberType = typeof(RunEventJsonWriteTests))]
    public void RunEvent_GeneratedMetadata_WritesAndReadsWhatReflectionDoes(RunEvent runEvent)
    {
        var type = (JsonTypeInfo<RunEvent>)Generated.GetTypeInfo(typeof(RunEvent));
        var expected = JsonSerializer.Serialize(runEvent, KeelJson.Options);

        Assert.Equal(expected, JsonSerializer.Serialize(runEvent, type));
        Assert.Equal(runEvent, JsonSerializer.Deserialize(expected, type));
    }

    public static TheoryData<string, object> Values() => new()
    {
        { "ascii string", "plain text" },
        { "string needing escapes", "é \"quoted\" <b> & \\ \n \u2028" },
        { "int", 42 },
        { "long", 1L << 40 },
        { "double", 1.5 },
        { "decimal", 0.25m },
        { "bool", true },
        { "node", JsonNode.Parse("""{"a":[1,"x",null,{"b":false}]}""")! },
        { "element", KeelJson.Parse("""{"title":"Héllo","n":[1,2]}""") },
        {
            "dictionary of mixed values",
            new Dictionary<string, object?>
            {
                ["text"] = "t",
                ["number"] = 3,
                ["element"] = KeelJson.Parse("[1,{\"x\":null}]"),
                ["nothing"] = null,
                ["nested"] = new Dictionary<string, object?> { ["list"] = new List<string> { "a", "b" }, ["array"] = new object[] { 1, "two", false } },
            }
        },
        { "data bus snapshot", (IReadOnlyDictionary<string, JsonElement>)new Dictionary<string, JsonElement> { ["k"] = KeelJson.Parse("7") } },
        { "token usage", new TokenUsage(10, 20, "model-x", 0.125m) },
        { "approval decision", new HistoryEntries.ApprovalDecision("approved", "ana", null) },
        { "timestamp", new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.FromHours(2)) },
    };

    [Theory]
    [MemberData(nameof(Values))]
    public void Value_GeneratedMetadata_WritesWhatReflectionDoes(string what, object value)
    {
        var expected = JsonSerializer.Serialize(value, value.GetType(), KeelJson.Options);

        Assert.True(expected == JsonSerializer.Serialize(value, Generated.GetTypeInfo(value.GetType())), what);
    }

    [Fact]
    public void EveryEnumOfKeel_GeneratedOptions_WriteItsSnakeCaseName()
    {
        var enums = typeof(KeelJson).Assembly.GetExportedTypes().Where(t => t.IsEnum).ToArray();
        Assert.NotEmpty(enums);
        foreach (var type in enums)
        {
            foreach (var value in Enum.GetValues(type))
            {
                var expected = JsonSerializer.Serialize(value, type, KeelJson.Options);
                Assert.StartsWith("\"", expected, StringComparison.Ordinal);
                Assert.Equal(expected, JsonSerializer.Serialize(value, Generated.GetTypeInfo(type)));
            }
        }
    }

    [Fact]
    public async Task Plan_GeneratedMetadata_WritesAndReadsWhatReflectionDoes()
    {
        var orchestrator = new Orchestrator(new OrchestratorOptions { RunStore = new InMemoryRunStore() });
        var (pm, coder, reviewer) = Hub.BuildWebsiteWorkers();
        orchestrator.With(pm, coder, reviewer);
        var service = new OrchestrationService(orchestrator, new CatalogPlanner(), new InMemoryPlanStore());
        var plan = await service.ApproveAsync((await service.FreezeAsync(await service.CreateAsync("Build a website"))).Hash, "ana");
        var generated = (JsonTypeInfo<Plan.PlanDocument>)Plan.PlanDocument.CreateOptions(reflection: false).GetTypeInfo(typeof(Plan.PlanDocument));

        var text = JsonSerializer.Serialize(Plan.PlanDocument.From(plan), generated);
        var back = JsonSerializer.Deserialize(text, generated)!.ToPlan();

        Assert.Equal(plan.ToJson(), text);
        Assert.Equal(plan.Hash, back.Hash);
        Assert.Equal(plan.Approval, back.Approval);
        Assert.Equal(plan.Validation.Checks, back.Validation.Checks);
    }

    [Fact]
    public void UsersOwnType_GeneratedOptions_FailNamingTheType()
    {
        var error = Assert.Throws<NotSupportedException>(() => Generated.GetTypeInfo(typeof(UserRecord)));

        Assert.Contains(nameof(UserRecord), error.Message, StringComparison.Ordinal);
    }

    private sealed record UserRecord(string Name);

    [Fact]
    public void Unrecordable_AUsersTypeWithoutReflection_SaysWhatToReturnInstead()
    {
        var output = new { title = "x" };
        var ex = Assert.ThrowsAny<Exception>(() => JsonSerializer.SerializeToElement(output, Generated.GetTypeInfo(output.GetType())));

        var withoutReflection = KeelJson.Unrecordable(ex, output.GetType(), reflection: false);
        var withReflection = KeelJson.Unrecordable(ex, output.GetType(), reflection: true);

        Assert.StartsWith("the output cannot be recorded as JSON: this application serialises without reflection", withoutReflection, StringComparison.Ordinal);
        Assert.Contains("return a string, JsonElement or JsonNode", withoutReflection, StringComparison.Ordinal);
        Assert.Equal($"the output cannot be recorded as JSON: {ex.Message}", withReflection);
    }
}
