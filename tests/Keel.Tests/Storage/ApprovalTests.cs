using Keel.Tests.Fakes;

namespace Keel.Tests.Storage;

/// <summary>Approval steps need a store (the rest of their behaviour is in the store conformance suite, run over every store).</summary>
public sealed class ApprovalTests
{
    [Fact]
    public async Task Execute_ApprovalStepWithoutStore_IsRefused()
    {
        var workflow = new WorkflowDefinition("publishing");
        workflow.AddStep(new WorkflowStep("draft", WorkerType.Coder, onSuccess: "sign_off"), isInitial: true);
        workflow.AddStep(WorkflowStep.Approval("sign_off", "Publish this draft?", onApproved: "publish", onRejected: "draft"));
        workflow.AddStep(new WorkflowStep("publish", WorkerType.Deployer));
        var orchestrator = Hub.Create(new RecordingTimeProvider()).With(new FakeWorker(WorkerType.Coder), new FakeWorker(WorkerType.Deployer));
        orchestrator.RegisterWorkflow(workflow);

        var error = await Assert.ThrowsAsync<KeelException>(() => orchestrator.ExecuteWorkflowAsync("publishing", "g"));

        Assert.Contains("RunStore", error.Message, StringComparison.Ordinal);
    }
}
