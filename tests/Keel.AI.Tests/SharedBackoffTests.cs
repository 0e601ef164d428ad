using System.Net.Http.Headers;

namespace Keel.AI.Tests;

/// <summary>A provider's 429 with Retry-After, mapped to the limiter's shared back-off instead of each client retrying on its own.</summary>
public sealed class SharedBackoffTests
{
    [Fact]
    public async Task Http429WithRetryAfter_PausesTheModelForEveryWorkerOfTheLimiter_AndTheAttemptWaitsInsteadOfFailing()
    {
        await using var server = await OpenAIServer.StartAsync((_, index) => index == 0 ? Reply.Status(429, retryAfterSeconds: 1) : Reply.Content("done"));
        var limiter = new SignallingLimiter(new InMemoryAttemptLimiter(new AttemptLimits()));
        var client = SharedBackoffClient(server);
        var orchestrator = new Orchestrator();
        orchestrator.RegisterWorker(ChatWorker.Create(WorkerType.Coder, "Coder", client, "Write {{input}}").Limited(limiter, "gpt-test"));
        orchestrator.RegisterWorker(ChatWorker.Create(WorkerType.Reviewer, "Reviewer", client, "Review {{input}}").Limited(limiter, "gpt-test"));
        foreach (var (name, type) in new[] { ("write", WorkerType.Coder), ("review", WorkerType.Reviewer) })
        {
            var workflow = new WorkflowDefinition(name);
            workflow.AddStep(new WorkflowStep(name, type), isInitial: true);
            orchestrator.RegisterWorkflow(workflow);
        }

        // The coder's first call is answered 429 with Retry-After: 1; the reviewer's run starts once the pause is recorded.
        var writing = orchestrator.ExecuteWorkflowAsync("write", "a poem");
        await limiter.BackedOff.WaitAsync(TimeSpan.FromSeconds(30));
        var reviewing = orchestrator.ExecuteWorkflowAsync("review", "a poem");
        var results = await Task.WhenAll(writing, reviewing);

        // Both runs complete, each in one attempt: the refused call waited and was made again, not failed.
        Assert.All(results, r => Assert.Equal(WorkflowState.Completed, r.State));
        Assert.All(results, r => Assert.Equal((1, "done"), (Assert.Single(r.History).Attempt, r.History[0].Output.GetString())));
        Assert.Equal(("gpt-test", TimeSpan.FromSeconds(1)), limiter.Pause);

        // No local retry of the 429, and no call to the model (the coder's again, or the reviewer's first) before the time given.
        var requests = server.Requests;
        Assert.Equal(3, requests.Count);
        Assert.All(requests.Skip(1), r => Assert.True(
            r.ReceivedAt >= requests[0].ReceivedAt + TimeSpan.FromSeconds(1).Ticks,
            $"a call reached the model {TimeSpan.FromTicks(r.ReceivedAt - requests[0].ReceivedAt).TotalMilliseconds} ms after the 429 asked for 1 s"));
    }

    [Fact]
    public async Task Http429WithRetryAfter_WithoutSharedBackoff_IsStillRetriedByTheClient()
    {
        await using var server = await OpenAIServer.StartAsync(Reply.Status(429, retryAfterSeconds: 0), Reply.Content("done"));
        var orchestrator = new Orchestrator();
        var limiter = new SignallingLimiter(new InMemoryAttemptLimiter(new AttemptLimits()));
        orchestrator.RegisterWorker(ChatWorker.Create(WorkerType.Coder, "Coder", TestClients.For(server), "Write {{input}}").Limited(limiter, "gpt-test"));
        var workflow = new WorkflowDefinition("write");
        workflow.AddStep(new WorkflowStep("write", WorkerType.Coder), isInitial: true);
        orchestrator.RegisterWorkflow(workflow);

        var result = await orchestrator.ExecuteWorkflowAsync("write", "a poem");

        Assert.Equal(WorkflowState.Completed, result.State);
        Assert.Equal(2, server.Requests.Count);
        Assert.False(limiter.BackedOff.IsCompleted);
    }

    [Fact]
    public void RetryAfter_ReadsMillisecondsSecondsAndDates_AndNothingWithoutAHeader()
    {
        var now = new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), SharedBackoffHandler.RetryAfter(Headers(h => h.TryAddWithoutValidation("retry-after-ms", "1500")), now));
        Assert.Equal(TimeSpan.FromSeconds(7), SharedBackoffHandler.RetryAfter(Headers(h => h.RetryAfter = new RetryConditionHeaderValue(TimeSpan.FromSeconds(7))), now));
        Assert.Equal(TimeSpan.FromSeconds(30), SharedBackoffHandler.RetryAfter(Headers(h => h.RetryAfter = new RetryConditionHeaderValue(now.AddSeconds(30))), now));
        Assert.Equal(TimeSpan.Zero, SharedBackoffHandler.RetryAfter(Headers(h => h.RetryAfter = new RetryConditionHeaderValue(now.AddSeconds(-30))), now));
        Assert.Null(SharedBackoffHandler.RetryAfter(Headers(_ => { }), now));
    }

    private static Microsoft.Extensions.AI.IChatClient SharedBackoffClient(OpenAIServer server) => KeelAI.CreateChatClient(new KeelAIOptions
    {
        Provider = ModelProvider.OpenAICompatible,
        Model = "gpt-test",
        Endpoint = server.BaseUrl,
        ApiKey = TestClients.Key,
        Resilience = new ModelResilienceOptions { MaxRetryAttempts = 2, BaseDelay = TimeSpan.FromMilliseconds(1), SharedBackoff = true },
    });

    private static HttpResponseHeaders Headers(Action<HttpResponseHeaders> set)
    {
        var response = new HttpResponseMessage(System.Net.HttpStatusCode.TooManyRequests);
        set(response.Headers);
        return response.Headers;
    }

    /// <summary>A limiter that says when a back-off was asked for, and which.</summary>
    private sealed class SignallingLimiter(IAttemptLimiter inner) : IAttemptLimiter
    {
        private readonly TaskCompletionSource _backedOff = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task BackedOff => _backedOff.Task;

        public (string Model, TimeSpan RetryAfter)? Pause { get; private set; }

        public ValueTask<IAsyncDisposable> AcquireAsync(AttemptAdmission admission, CancellationToken cancellationToken) => inner.AcquireAsync(admission, cancellationToken);

        public async ValueTask BackOffAsync(string model, TimeSpan retryAfter, CancellationToken cancellationToken)
        {
            await inner.BackOffAsync(model, retryAfter, cancellationToken);
            Pause = (model, retryAfter);
            _backedOff.TrySetResult();
        }
    }
}
