using System.Text.Json;
using Keel.Tests.Fakes;

namespace Keel.Tests.Execution;

public sealed class DataBusTests
{
    private sealed class Mutable
    {
        public string Name { get; set; } = "before";
    }

    [Fact]
    public async Task DataBus_ValueIsNormalisedWhenSet_LaterMutationOfTheObjectIsNotSeen()
    {
        var (pm, coder, reviewer) = Hub.BuildWebsiteWorkers();
        var shared = new Mutable();
        pm.OnCall = (_, context) =>
        {
            context.Data["settings"] = shared;
            shared.Name = "after";
            return "specs";
        };
        JsonElement? seen = null;
        coder.OnCall = (_, context) =>
        {
            seen = (JsonElement?)context.Data["settings"];
            return "code";
        };
        var orchestrator = Hub.Create(new RecordingTimeProvider()).With(pm, coder, reviewer);
        orchestrator.RegisterWorkflow(Workflows.CreateBuildWebsiteWorkflow());

        await orchestrator.ExecuteWorkflowAsync("build_website", "g");

        Assert.Equal("before", seen!.Value.GetProperty("name").GetString());
    }

    [Fact]
    public async Task DataBus_InitialDataRemoveAndTypedReads()
    {
        var (pm, coder, reviewer) = Hub.BuildWebsiteWorkers();
        pm.OnCall = (_, context) =>
        {
            Assert.True(context.Data.ContainsKey("temp"));
            Assert.True(context.Data.Remove("temp"));
            Assert.False(context.Data.Remove("temp"));
            return context.Data.Get<int>("pages") * 2;
        };
        coder.OnCall = (_, context) => new { missing = context.Data.Get("nothing", "fallback"), absent = context.Data["nothing"] is null, keys = context.Data.Keys.Order(StringComparer.Ordinal).ToArray() };
        var orchestrator = Hub.Create(new RecordingTimeProvider()).With(pm, coder, reviewer);
        orchestrator.RegisterWorkflow(Workflows.CreateBuildWebsiteWorkflow());

        var result = await orchestrator.ExecuteWorkflowAsync("build_website", "g", data: new Dictionary<string, object?> { ["pages"] = 3, ["temp"] = true });

        Assert.Equal(6, result.History[0].Output.GetInt32());
        var coderOutput = result.History[1].Output;
        Assert.Equal("fallback", coderOutput.GetProperty("missing").GetString());
        Assert.True(coderOutput.GetProperty("absent").GetBoolean());
        Assert.Equal(["pages"], coderOutput.GetProperty("keys").EnumerateArray().Select(e => e.GetString()));
        Assert.False(result.Data.ContainsKey("temp"));
    }

    [Fact]
    public void KeelJson_Normalize_UsesSnakeCaseNamesAndEnums()
    {
        var element = KeelJson.Normalize(new { PageCount = 2, Outcome = AttemptOutcome.InvalidOutput, Nothing = (string?)null });

        Assert.Equal("{\"page_count\":2,\"outcome\":\"invalid_output\",\"nothing\":null}", element.GetRawText());
        Assert.Equal(JsonValueKind.Null, KeelJson.Normalize(null).ValueKind);
        Assert.Equal(JsonValueKind.Null, KeelJson.Normalize(default(JsonElement)).ValueKind);
        Assert.Equal("\"text\"", KeelJson.Normalize("text").GetRawText());
    }
}
