using System.Reflection;
using Keel.Tests.Fakes;

namespace Keel.Tests.Execution;

public sealed class HubAndSpokeTests
{
    private static WorkflowDefinition Pipeline()
    {
        var workflow = new WorkflowDefinition("release");
        workflow.AddStep(new WorkflowStep("plan", "planner", onSuccess: "build"), isInitial: true);
        workflow.AddStep(new WorkflowStep("build", "builder", onSuccess: "test", onFailure: "deploy"));
        workflow.AddStep(new WorkflowStep("test", "tester_type", onSuccess: WorkflowStep.Complete));
        workflow.AddStep(new WorkflowStep("deploy", "deployer_type", onSuccess: WorkflowStep.Complete));
        return workflow;
    }

    [Theory]
    [InlineData("{\"next_step\":\"deploy\"}")]
    [InlineData("{\"nextStep\":\"deploy\",\"on_success\":\"deploy\",\"goto\":\"complete\"}")]
    [InlineData("\"complete\"")]
    [InlineData("\"failed\"")]
    [InlineData("\"deploy\"")]
    public async Task Execute_WorkerOutputNamesAStep_IsNotFollowed(string output)
    {
        var planner = new FakeWorker("planner") { OnCall = (_, _) => KeelJson.Parse(output) };
        var builder = new FakeWorker("builder");
        var tester = new FakeWorker("tester_type");
        var deployer = new FakeWorker("deployer_type");
        var orchestrator = Hub.Create(new RecordingTimeProvider()).With(planner, builder, tester, deployer);
        orchestrator.RegisterWorkflow(Pipeline());

        var result = await orchestrator.ExecuteWorkflowAsync("release", "g");

        Assert.Equal(WorkflowState.Completed, result.State);
        Assert.Equal(["plan", "build", "test"], result.Path);
        Assert.Equal("build", result.History[0].NextStep);
        Assert.Equal(0, deployer.CallCount);
        Assert.Equal(output, builder.Calls[0].Input.GetRawText());
    }

    [Fact]
    public void WorkflowContext_ExposesNoWayToCallWorkersOrRoute()
    {
        var forbidden = new[] { typeof(Orchestrator), typeof(WorkerDefinition), typeof(WorkflowDefinition), typeof(WorkflowStep), typeof(IRunStore) };
        var type = typeof(WorkflowContext);
        var returned = new List<(string Member, Type Type)>();
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static))
        {
            returned.Add((property.Name, property.PropertyType));
        }

        foreach (var method in type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static))
        {
            returned.Add((method.Name, method.ReturnType));
            returned.AddRange(method.GetParameters().Select(p => (method.Name + "(" + p.Name + ")", p.ParameterType)));
        }

        foreach (var field in type.GetFields(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static))
        {
            returned.Add((field.Name, field.FieldType));
        }

        Assert.Empty(type.GetEvents(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static));
        foreach (var (member, memberType) in returned)
        {
            foreach (var inner in Unwrap(memberType))
            {
                Assert.False(typeof(Delegate).IsAssignableFrom(inner), $"WorkflowContext.{member} exposes a delegate ({inner})");
                Assert.DoesNotContain(inner, forbidden);
            }
        }

        Assert.DoesNotContain(type.GetProperties(), p => p.Name.Contains("Next", StringComparison.OrdinalIgnoreCase) && p.CanWrite && p.SetMethod!.IsPublic);
        Assert.False(type.GetProperty(nameof(WorkflowContext.CurrentStep))!.SetMethod!.IsPublic);
        Assert.False(type.GetProperty(nameof(WorkflowContext.State))!.SetMethod!.IsPublic);
    }

    [Fact]
    public async Task WorkflowContext_History_IsReadOnly()
    {
        IReadOnlyList<HistoryEntry>? history = null;
        var (pm, coder, reviewer) = Hub.BuildWebsiteWorkers();
        reviewer.OnCall = (_, context) =>
        {
            history = context.History;
            return "ok";
        };
        var orchestrator = Hub.Create(new RecordingTimeProvider()).With(pm, coder, reviewer);
        orchestrator.RegisterWorkflow(Workflows.CreateBuildWebsiteWorkflow());

        var result = await orchestrator.ExecuteWorkflowAsync("build_website", "g");

        Assert.NotNull(history);
        Assert.IsNotType<List<HistoryEntry>>(history);
        Assert.Null(history as List<HistoryEntry>);
        Assert.Null(history as HistoryEntry[]);
        var asList = Assert.IsAssignableFrom<IList<HistoryEntry>>(history);
        Assert.True(asList.IsReadOnly);
        Assert.Throws<NotSupportedException>(() => asList.Add(result.History[0]));
        Assert.Throws<NotSupportedException>(() => asList.Clear());
        Assert.Throws<NotSupportedException>(() => asList[0] = result.History[0]);
        Assert.Equal(3, result.History.Count);
    }

    [Fact]
    public void HistoryEntry_IsImmutable()
    {
        foreach (var property in typeof(HistoryEntry).GetProperties())
        {
            var setter = property.SetMethod;
            if (setter is null)
            {
                continue;
            }

            var isInitOnly = setter.ReturnParameter.GetRequiredCustomModifiers().Any(m => m.Name == "IsExternalInit");
            Assert.True(isInitOnly, $"HistoryEntry.{property.Name} can be set after construction");
        }
    }

    private static IEnumerable<Type> Unwrap(Type type)
    {
        yield return type;
        if (type.IsArray)
        {
            foreach (var inner in Unwrap(type.GetElementType()!))
            {
                yield return inner;
            }
        }

        if (type.IsGenericType)
        {
            foreach (var argument in type.GetGenericArguments())
            {
                foreach (var inner in Unwrap(argument))
                {
                    yield return inner;
                }
            }
        }
    }
}
