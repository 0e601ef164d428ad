using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Keel.Tests.Fakes;

namespace Keel.Tests.Telemetry;

public sealed class MetricsTests
{
    private sealed record Measurement(string Instrument, double Value, IReadOnlyDictionary<string, object?> Tags);

    [Fact]
    public async Task Execute_WithMeterListener_RecordsRunsAttemptsFailuresDurationsAndTokens()
    {
        var measurements = new ConcurrentQueue<Measurement>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == KeelTelemetry.SourceName)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => measurements.Enqueue(new Measurement(instrument.Name, value, ToDictionary(tags))));
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => measurements.Enqueue(new Measurement(instrument.Name, value, ToDictionary(tags))));
        listener.Start();

        var clock = new RecordingTimeProvider();
        var name = "metered_" + Guid.NewGuid().ToString("N");
        var workflow = new WorkflowDefinition(name);
        workflow.AddStep(new WorkflowStep("draft", "drafter", onSuccess: "polish", maxRetries: 1), isInitial: true);
        workflow.AddStep(new WorkflowStep("polish", "polisher"));
        var drafter = new FakeWorker("drafter")
        {
            OnCall = (call, _) =>
            {
                clock.Advance(TimeSpan.FromSeconds(2));
                return call.Attempt == 1 ? Hub.Fail("rough") : "draft";
            },
        };
        var polisher = new FakeWorker("polisher")
        {
            OnCall = (_, context) =>
            {
                clock.Advance(TimeSpan.FromSeconds(2));
                context.ReportUsage(new TokenUsage(10, 5, "test-model"));
                return "polished";
            },
        };
        var orchestrator = Hub.Create(clock).With(drafter, polisher);
        orchestrator.RegisterWorkflow(workflow);

        await orchestrator.ExecuteWorkflowAsync(name, "g");

        var mine = measurements.Where(m => Equals(m.Tags.GetValueOrDefault(KeelTelemetry.TagWorkflow), name)).ToList();
        var run = Assert.Single(mine, m => m.Instrument == "keel.runs");
        Assert.Equal(1, run.Value);
        Assert.Equal("completed", run.Tags[KeelTelemetry.TagRunState]);

        var attempts = mine.Where(m => m.Instrument == "keel.attempts").ToList();
        Assert.Equal(3, attempts.Count);
        Assert.All(attempts, m => Assert.Equal(1, m.Value));
        Assert.Equal(
            [("draft", "drafter", "failed"), ("draft", "drafter", "succeeded"), ("polish", "polisher", "succeeded")],
            attempts.Select(m => ((string)m.Tags[KeelTelemetry.TagStep]!, (string)m.Tags[KeelTelemetry.TagWorkerType]!, (string)m.Tags[KeelTelemetry.TagOutcome]!)).Order());

        var failure = Assert.Single(mine, m => m.Instrument == "keel.attempt.failures");
        Assert.Equal(("draft", "failed"), ((string)failure.Tags[KeelTelemetry.TagStep]!, (string)failure.Tags[KeelTelemetry.TagOutcome]!));

        var durations = mine.Where(m => m.Instrument == "keel.step.duration").ToList();
        Assert.Equal(3, durations.Count);
        Assert.All(durations, m => Assert.Equal(2.0, m.Value));
        Assert.All(durations, m => Assert.True(m.Tags.ContainsKey(KeelTelemetry.TagStep) && m.Tags.ContainsKey(KeelTelemetry.TagOutcome)));

        var tokens = mine.Where(m => m.Instrument == "keel.tokens").Select(m => ((string)m.Tags["gen_ai.token.type"]!, m.Value)).Order().ToList();
        Assert.Equal([("input", 10.0), ("output", 5.0)], tokens);
    }

    private static Dictionary<string, object?> ToDictionary(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var dictionary = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var tag in tags)
        {
            dictionary[tag.Key] = tag.Value;
        }

        return dictionary;
    }
}
