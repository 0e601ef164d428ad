using Microsoft.Extensions.AI;

namespace Keel.AI.Tests;

public sealed class RecordReplayTests
{
    /// <summary>The first specification is invalid, so the recorded run holds a repaired retry too.</summary>
    private static Reply RespondWithOneRepair(ReceivedRequest request, int index)
        => index == 0 ? Reply.Content("""{"title":"Lens & Light"}""", 40, 8) : Website.Respond(request, index);

    private static async Task<(string File, WorkflowResult Recorded)> RecordAsync()
    {
        var file = Path.Combine(Path.GetTempPath(), $"keel-replay-{Guid.NewGuid():N}.json");
        await using var server = await OpenAIServer.StartAsync(RespondWithOneRepair);
        var recording = new ChatRecording { Goal = Website.Goal, Data = new() { ["audience"] = KeelJson.Normalize("art buyers") } };
        var orchestrator = Website.Orchestrator(new RecordingChatClient(TestClients.For(server), recording));
        var result = await orchestrator.ExecuteWorkflowAsync("build_website", Website.Goal, Website.Options());
        Assert.Equal(4, server.Requests.Count);
        await KeelReplay.ExportAsync(file, result, recording);
        return (file, result);
    }

    [Fact]
    public async Task RecordedRun_ReplayedWithTheServerOff_ReproducesTheHistory()
    {
        var (file, recorded) = await RecordAsync();
        Assert.Equal([AttemptOutcome.InvalidOutput, AttemptOutcome.Succeeded, AttemptOutcome.Succeeded, AttemptOutcome.Succeeded], recorded.History.Select(h => h.Outcome));

        var replay = await KeelReplay.LoadAsync(file);
        var result = await replay.RunAsync(Website.Orchestrator(replay.ChatClient));
        File.Delete(file);

        replay.AssertSamePath(result);
        Assert.Empty(replay.Client.Mismatches);
        Assert.Equal(recorded.History.Count, result.History.Count);
        for (var i = 0; i < recorded.History.Count; i++)
        {
            var (a, b) = (recorded.History[i], result.History[i]);
            Assert.Equal((a.StepId, a.Visit, a.Attempt, a.Outcome, a.NextStep, a.Error, a.Usage), (b.StepId, b.Visit, b.Attempt, b.Outcome, b.NextStep, b.Error, b.Usage));
            Assert.Equal(KeelJson.ToText(a.Output), KeelJson.ToText(b.Output));
            Assert.Equal(KeelJson.ToText(a.Input), KeelJson.ToText(b.Input));
        }

        Assert.Equal(recorded.Usage, result.Usage);
    }

    [Fact]
    public async Task Replay_WithChangedInstructions_ReportsTheStepAttemptAndDifference()
    {
        var (file, _) = await RecordAsync();
        var replay = await KeelReplay.LoadAsync(file);
        File.Delete(file);
        var orchestrator = Website.Orchestrator(replay.ChatClient);
        orchestrator.RegisterChatWorker<Spec>(WorkerType.ProductManager, "PM", replay.ChatClient, "You are a product manager. Specify: {{goal}}. Audience: {{data.audience}}.");

        var result = await replay.RunAsync(orchestrator);

        Assert.Equal(2, replay.Client.Mismatches.Count);
        var mismatch = replay.Client.Mismatches[0];
        Assert.Equal(new ChatCallKey("create_specs", 1, 1, 1), mismatch.Key);
        Assert.Contains("message 1 (system) differs at line 1", mismatch.Message);
        Assert.Contains("- recorded: You are a product manager. Write the specification of:", mismatch.Message);
        Assert.Contains("+ replayed: You are a product manager. Specify:", mismatch.Message);
        Assert.Contains("ReplayMismatchException", result.History[0].Error);

        var failure = Assert.Throws<ReplayAssertionException>(() => replay.AssertSamePath(result));
        Assert.Contains("replay mismatch at step 'create_specs' visit 1 attempt 1 call 1", failure.Message);
        Assert.Contains("entry 0 (create_specs): outcome Failed, expected InvalidOutput", failure.Message);
    }

    [Fact]
    public async Task Replay_OfACallTheRecordingDoesNotHold_NamesTheMissingCall()
    {
        var recording = new ChatRecording();
        var client = new ReplayChatClient(recording);
        using (ChatCallScope.Enter("write", 2, 3))
        {
            var error = await Assert.ThrowsAsync<ReplayMismatchException>(() => client.GetResponseAsync("hello"));
            Assert.Equal("replay mismatch at step 'write' visit 2 attempt 3 call 1: the recording has no such call (recorded for this step: none)", error.Message);
        }
    }

    [Fact]
    public async Task Replay_WithAChangedSchema_ReportsTheSchemaDifference()
    {
        var recording = new ChatRecording();
        recording.Add(new RecordedCall
        {
            Key = new ChatCallKey("review", 1, 1, 1),
            Request = [new RecordedMessage("user", "check")],
            ResponseSchema = KeelJson.Parse("""{"type":"object"}"""),
            Response = new RecordedResponse("{}", "m", "stop", 1, 1),
        });
        var client = new ReplayChatClient(recording);
        var options = new ChatOptions { ResponseFormat = ChatResponseFormat.ForJsonSchema(KeelJson.Parse("""{"type":"array"}"""), "out") };

        using (ChatCallScope.Enter("review", 1, 1))
        {
            var error = await Assert.ThrowsAsync<ReplayMismatchException>(() => client.GetResponseAsync([new ChatMessage(ChatRole.User, "check")], options));
            Assert.Contains("the response schema differs from the recording: recorded {\"type\":\"object\"}", error.Message);
        }
    }
}
