using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Keel;

/// <summary>The names of Keel's ActivitySource and Meter (both "Keel"); see docs/telemetry.md for every span, tag and instrument.</summary>
public static class KeelTelemetry
{
    /// <summary>The name of Keel's <see cref="System.Diagnostics.ActivitySource"/> and <see cref="System.Diagnostics.Metrics.Meter"/>: <c>Keel</c>.</summary>
    public const string SourceName = "Keel";

    internal static readonly ActivitySource Source = new(SourceName, typeof(KeelTelemetry).Assembly.GetName().Version?.ToString());

    internal static readonly Meter Meter = new(SourceName, typeof(KeelTelemetry).Assembly.GetName().Version?.ToString());

    internal static readonly Counter<long> Runs = Meter.CreateCounter<long>("keel.runs", "{run}", "Runs that ended or parked, by final state.");

    internal static readonly Counter<long> Attempts = Meter.CreateCounter<long>("keel.attempts", "{attempt}", "Attempts recorded, by outcome.");

    internal static readonly Counter<long> Failures = Meter.CreateCounter<long>("keel.attempt.failures", "{attempt}", "Attempts that did not succeed.");

    internal static readonly Histogram<double> StepDuration = Meter.CreateHistogram<double>("keel.step.duration", "s", "Duration of one attempt.");

    internal static readonly Counter<long> Tokens = Meter.CreateCounter<long>("keel.tokens", "{token}", "Model tokens reported by workers, by direction.");

    /// <summary>Tag: the workflow's name.</summary>
    public const string TagWorkflow = "keel.workflow.name";
    /// <summary>Tag: the run's id.</summary>
    public const string TagRunId = "keel.run.id";
    /// <summary>Tag: the run's state, by its recorded name.</summary>
    public const string TagRunState = "keel.run.state";
    /// <summary>Tag: the step's id.</summary>
    public const string TagStep = "keel.step.id";
    /// <summary>Tag: the step's worker type.</summary>
    public const string TagWorkerType = "keel.worker.type";
    /// <summary>Tag: the worker's name.</summary>
    public const string TagWorkerName = "keel.worker.name";
    /// <summary>Tag: the attempt within the visit, from 1.</summary>
    public const string TagAttempt = "keel.attempt";
    /// <summary>Tag: the visit of the step, from 1.</summary>
    public const string TagVisit = "keel.visit";
    /// <summary>Tag: the attempt's outcome, by its recorded name.</summary>
    public const string TagOutcome = "keel.outcome";
    /// <summary>Tag: the error of a failed attempt.</summary>
    public const string TagError = "keel.error";
}
