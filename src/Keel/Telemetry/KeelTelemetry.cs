using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Keel;

/// <summary>The names of Keel's ActivitySource and Meter (both "Keel"); see docs/telemetry.md for every span, tag and instrument.</summary>
public static class KeelTelemetry
{
    public const string SourceName = "Keel";

    internal static readonly ActivitySource Source = new(SourceName, typeof(KeelTelemetry).Assembly.GetName().Version?.ToString());

    internal static readonly Meter Meter = new(SourceName, typeof(KeelTelemetry).Assembly.GetName().Version?.ToString());

    internal static readonly Counter<long> Runs = Meter.CreateCounter<long>("keel.runs", "{run}", "Runs that ended or parked, by final state.");

    internal static readonly Counter<long> Attempts = Meter.CreateCounter<long>("keel.attempts", "{attempt}", "Attempts recorded, by outcome.");

    internal static readonly Counter<long> Failures = Meter.CreateCounter<long>("keel.attempt.failures", "{attempt}", "Attempts that did not succeed.");

    internal static readonly Histogram<double> StepDuration = Meter.CreateHistogram<double>("keel.step.duration", "s", "Duration of one attempt.");

    internal static readonly Counter<long> Tokens = Meter.CreateCounter<long>("keel.tokens", "{token}", "Model tokens reported by workers, by direction.");

    public const string TagWorkflow = "keel.workflow.name";
    public const string TagRunId = "keel.run.id";
    public const string TagRunState = "keel.run.state";
    public const string TagStep = "keel.step.id";
    public const string TagWorkerType = "keel.worker.type";
    public const string TagWorkerName = "keel.worker.name";
    public const string TagAttempt = "keel.attempt";
    public const string TagVisit = "keel.visit";
    public const string TagOutcome = "keel.outcome";
    public const string TagError = "keel.error";
}
