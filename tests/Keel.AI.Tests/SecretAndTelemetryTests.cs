using System.Text;
using System.Text.Json;

namespace Keel.AI.Tests;

public sealed class SecretAndTelemetryTests
{
    private static readonly JsonSerializerOptions HistoryJson = new(KeelJson.Options) { Converters = { new ElementConverter() } };

    [Fact]
    public async Task ApiKey_IsAbsentFromHistoryStoreRecordingLogsAndTraces_EvenWhenTheServerEchoesIt()
    {
        using var activities = new CapturedActivities();
        var logs = new CapturedLogs();
        await using var server = await OpenAIServer.StartAsync(
            Reply.Content("first answer"),
            Reply.Status(500, """{"error":{"message":"rejected credentials {authorization}","type":"server_error"}}"""),
            Reply.Status(500, """{"error":{"message":"rejected credentials {authorization}","type":"server_error"}}"""));
        var recording = new ChatRecording();
        var client = new RecordingChatClient(TestClients.For(server, logs.Factory, retries: 1), recording);
        var store = new InMemoryRunStore();
        var orchestrator = new Orchestrator(new OrchestratorOptions { RunStore = store, LoggerFactory = logs.Factory });
        orchestrator.RegisterChatWorker(WorkerType.Coder, "Coder", client, "Write {{input}}");
        var workflow = new WorkflowDefinition("two");
        workflow.AddStep(new WorkflowStep("first", WorkerType.Coder, onSuccess: "second"), isInitial: true);
        workflow.AddStep(new WorkflowStep("second", WorkerType.Coder));
        orchestrator.RegisterWorkflow(workflow);

        var result = await orchestrator.ExecuteWorkflowAsync("two", "a poem", new ExecuteOptions { Verbose = true });
        var file = Path.Combine(Path.GetTempPath(), $"keel-secret-{Guid.NewGuid():N}.json");
        await KeelReplay.ExportAsync(file, store, result.RunId, recording);

        // The key reached the server, and the server put it in its error body: the test has teeth.
        Assert.All(server.Requests, r => Assert.Equal("Bearer " + TestClients.Key, r.Authorization));
        Assert.Equal(WorkflowState.Failed, result.State);
        Assert.Contains("rejected credentials", result.History[1].Error);
        Assert.Contains("[redacted]", result.History[1].Error);

        var stored = await store.GetHistoryAsync(result.RunId, CancellationToken.None);
        var places = new Dictionary<string, string>
        {
            ["history"] = JsonSerializer.Serialize(result.History, HistoryJson),
            ["stored history"] = JsonSerializer.Serialize(stored, HistoryJson),
            ["run error"] = result.Error ?? string.Empty,
            ["recording file"] = Encoding.UTF8.GetString(await File.ReadAllBytesAsync(file)),
            ["logs"] = logs.Text,
            ["traces"] = activities.Text,
        };
        File.Delete(file);
        Assert.Contains("rejected credentials", places["recording file"]);
        Assert.Contains("rejected credentials", places["logs"]);
        foreach (var (place, text) in places)
        {
            Assert.False(text.Contains(TestClients.Key, StringComparison.Ordinal), $"the API key appears in the {place}");
            Assert.False(text.Contains("0123456789abcdefSECRET", StringComparison.Ordinal), $"part of the API key appears in the {place}");
        }
    }

    [Fact]
    public async Task ModelCallSpans_AreChildrenOfTheStepSpans_WithGenAiTags()
    {
        using var activities = new CapturedActivities();
        await using var server = await OpenAIServer.StartAsync(Website.Respond);
        var orchestrator = Website.Orchestrator(TestClients.For(server));

        var result = await orchestrator.ExecuteWorkflowAsync("build_website", Website.Goal, Website.Options());

        var mine = activities.Activities.Where(a => Equals(a.GetTagItem(KeelTelemetry.TagRunId), result.RunId)).ToArray();
        var steps = mine.Where(a => a.DisplayName.StartsWith("execute_step", StringComparison.Ordinal)).ToArray();
        Assert.Equal(3, steps.Length);
        foreach (var step in steps)
        {
            var chat = Assert.Single(activities.Activities, a => a.Source.Name == KeelAI.TelemetrySourceName && a.ParentSpanId == step.SpanId);
            Assert.Equal("chat", chat.GetTagItem("gen_ai.operation.name"));
            Assert.Equal("chat gpt-test", chat.DisplayName);
            Assert.Equal("gpt-test", chat.GetTagItem("gen_ai.request.model") ?? chat.GetTagItem("gen_ai.response.model"));
            Assert.NotNull(chat.GetTagItem("gen_ai.usage.input_tokens"));
        }
    }
}

/// <summary>Writes an absent (undefined) element as null, so a whole history serialises.</summary>
internal sealed class ElementConverter : System.Text.Json.Serialization.JsonConverter<JsonElement>
{
    public override JsonElement Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => JsonElement.ParseValue(ref reader);

    public override void Write(Utf8JsonWriter writer, JsonElement value, JsonSerializerOptions options)
    {
        if (value.ValueKind == JsonValueKind.Undefined)
        {
            writer.WriteNullValue();
        }
        else
        {
            value.WriteTo(writer);
        }
    }
}
