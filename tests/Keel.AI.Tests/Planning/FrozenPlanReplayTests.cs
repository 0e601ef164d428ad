namespace Keel.AI.Tests;

public sealed class FrozenPlanReplayTests
{
    [Fact]
    public async Task FrozenPlan_RunReplayedWithoutNetwork_TakesTheRecordedPathAndNeverPlans()
    {
        var plans = new InMemoryPlanStore();
        var file = Path.Combine(Path.GetTempPath(), $"keel-plan-replay-{Guid.NewGuid():N}.json");
        string hash;
        WorkflowResult recorded;
        await using (var server = await OpenAIServer.StartAsync((request, index) => index == 0 ? Reply.Content(LlmPlannerTests.ValidPlan) : Website.Respond(request, index)))
        {
            var recording = new ChatRecording { Goal = Website.Goal };
            var client = new RecordingChatClient(TestClients.For(server), recording);
            var workers = Website.Orchestrator(client);
            var service = new OrchestrationService(workers, new LlmPlanner(TestClients.For(server)), plans);
            var plan = await service.FreezeAsync(await service.CreateAsync(Website.Goal));
            hash = plan.Hash;
            recorded = await service.RunAsync(plan, new RunPlanOptions { Execute = Website.Options() });
            Assert.Equal(WorkflowState.Completed, recorded.State);
            await KeelReplay.ExportAsync(file, recorded, recording);
        }

        // The server is gone: the replay serves the recorded answers, and a planner that is called fails the test.
        var replay = await KeelReplay.LoadAsync(file);
        File.Delete(file);
        var offline = new OrchestrationService(Website.Orchestrator(replay.ChatClient), new RefusingPlanner((await plans.ListAsync())[0].Planning.Fingerprint), plans);
        var frozen = await offline.CreateAsync(Website.Goal);
        var result = await offline.RunAsync(frozen, new RunPlanOptions { Execute = Website.Options() });

        Assert.Equal(hash, frozen.Hash);
        replay.AssertSamePath(result);
        Assert.Empty(replay.Client.Mismatches);
        Assert.Equal(recorded.Path, result.Path);
        Assert.Equal(["create_specs", "implement_code", "review_code"], result.Path);
    }

    private sealed class RefusingPlanner(string fingerprint) : IPlanner
    {
        public string Name => "llm";

        public string Fingerprint => fingerprint;

        public Task<PlanDraft> PlanAsync(PlanningRequest request, CancellationToken cancellationToken = default)
            => throw new InvalidOperationException("a frozen plan's run must not plan again");
    }
}
