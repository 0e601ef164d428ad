using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Keel;

/// <summary>
/// The canonical JSON form of a workflow definition: what a run is pinned to, what its content hash is
/// computed over, and the shape of the declarative workflow files. Delegates (step input transformers)
/// have no JSON form and are not part of it.
/// </summary>
public static class WorkflowDefinitionJson
{
    private static readonly JsonSerializerOptions Options = new()
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = false,
    };

    /// <summary>The canonical JSON text of a definition.</summary>
    public static string Serialize(WorkflowDefinition workflow)
    {
        ArgumentNullException.ThrowIfNull(workflow);
        return JsonSerializer.Serialize(ToDocument(workflow), Options);
    }

    /// <summary>SHA-256 (hex, lower case) of the canonical JSON text.</summary>
    public static string Hash(string canonicalJson)
        => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalJson)));

    /// <summary>Reads a definition from its canonical JSON text (not validated).</summary>
    public static WorkflowDefinition Deserialize(string json)
    {
        var document = JsonSerializer.Deserialize<WorkflowDocument>(json, Options)
            ?? throw new KeelException("The workflow definition JSON is empty.");
        return FromDocument(document);
    }

    private static readonly TimeSpan DefaultMaxRetryDelay = TimeSpan.FromMinutes(5);

    internal static WorkflowDocument ToDocument(WorkflowDefinition workflow)
    {
        var steps = new List<StepDocument>(workflow.Steps.Count);
        foreach (var step in workflow.Steps)
        {
            steps.Add(new StepDocument
            {
                Id = step.StepId,
                Worker = step.Kind == StepKind.Approval ? null : step.WorkerType.Value,
                Description = step.Description.Length == 0 ? null : step.Description,
                OnSuccess = step.OnSuccess,
                OnFailure = step.OnFailure,
                MaxRetries = step.MaxRetries == 0 ? null : step.MaxRetries,
                Timeout = step.Timeout?.TotalSeconds,
                RetryDelay = step.RetryDelay?.TotalSeconds,
                RetryBackoff = step.RetryDelay is null || step.RetryBackoff == 2.0 ? null : step.RetryBackoff,
                MaxRetryDelay = step.RetryDelay is null || step.MaxRetryDelay == DefaultMaxRetryDelay ? null : step.MaxRetryDelay.TotalSeconds,
                Approval = step.Kind == StepKind.Approval ? step.Prompt : null,
            });
        }

        return new WorkflowDocument
        {
            Name = workflow.Name,
            Description = workflow.Description.Length == 0 ? null : workflow.Description,
            Goal = workflow.Goal.Length == 0 ? null : workflow.Goal,
            InitialStep = workflow.InitialStep,
            MaxSteps = workflow.MaxSteps,
            Steps = steps,
        };
    }

    internal static WorkflowDefinition FromDocument(WorkflowDocument document)
    {
        var workflow = new WorkflowDefinition(document.Name ?? string.Empty, document.Description ?? string.Empty, document.Goal ?? string.Empty)
        {
            MaxSteps = document.MaxSteps,
        };
        foreach (var s in document.Steps ?? [])
        {
            var step = s.Approval is { } prompt
                ? WorkflowStep.Approval(s.Id ?? string.Empty, prompt, s.OnSuccess ?? WorkflowStep.Complete, s.OnFailure ?? WorkflowStep.Failed, s.Description ?? string.Empty)
                    with { Timeout = s.Timeout is { } deadline ? TimeSpan.FromSeconds(deadline) : null }
                : new WorkflowStep
                {
                    StepId = s.Id ?? string.Empty,
                    WorkerType = string.IsNullOrWhiteSpace(s.Worker) ? default : new WorkerType(s.Worker),
                    Description = s.Description ?? string.Empty,
                    OnSuccess = s.OnSuccess ?? WorkflowStep.Complete,
                    OnFailure = s.OnFailure,
                    MaxRetries = s.MaxRetries ?? 0,
                    Timeout = s.Timeout is { } t ? TimeSpan.FromSeconds(t) : null,
                    RetryDelay = s.RetryDelay is { } d ? TimeSpan.FromSeconds(d) : null,
                    RetryBackoff = s.RetryBackoff ?? 2.0,
                    MaxRetryDelay = s.MaxRetryDelay is { } m ? TimeSpan.FromSeconds(m) : DefaultMaxRetryDelay,
                };
            workflow.AddStep(step);
        }

        workflow.InitialStep = document.InitialStep ?? (workflow.Steps.Count > 0 ? workflow.Steps[0].StepId : null);
        return workflow;
    }

    internal sealed class WorkflowDocument
    {
        public string? Name { get; set; }

        public string? Description { get; set; }

        public string? Goal { get; set; }

        public string? InitialStep { get; set; }

        public int? MaxSteps { get; set; }

        public List<StepDocument>? Steps { get; set; }
    }

    internal sealed class StepDocument
    {
        public string? Id { get; set; }

        public string? Worker { get; set; }

        public string? Description { get; set; }

        public string? OnSuccess { get; set; }

        public string? OnFailure { get; set; }

        public int? MaxRetries { get; set; }

        /// <summary>Seconds.</summary>
        public double? Timeout { get; set; }

        /// <summary>Seconds.</summary>
        public double? RetryDelay { get; set; }

        public double? RetryBackoff { get; set; }

        /// <summary>Seconds; written only when it differs from the default.</summary>
        public double? MaxRetryDelay { get; set; }

        /// <summary>The approval prompt: makes the step an approval step.</summary>
        public string? Approval { get; set; }
    }
}
