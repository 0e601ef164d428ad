using System.Text.Json;
using System.Text.Json.Serialization;
using Keel.Server.Approvals;
using Keel.Server.Definitions;
using Keel.Server.Events;
using Keel.Server.Plans;
using Keel.Server.Runs;
using Keel.Server.Usage;

namespace Keel.Server.Http;

/// <summary>
/// The metadata of every type the API reads or writes, and of every type its OpenAPI document describes
/// (the run events' schema among them; the events themselves are written by <see cref="RunEventJson"/>),
/// generated at compile time with the settings of <see cref="ApiJson"/>.
/// </summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    PropertyNameCaseInsensitive = false,
    AllowDuplicateProperties = false,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    MaxDepth = 64,
    NumberHandling = JsonNumberHandling.Strict,
    // The same converters as ApiJson.Configure adds to the HTTP options.
    Converters = [typeof(SnakeCaseEnumConverter<WorkflowState>), typeof(SnakeCaseEnumConverter<AttemptOutcome>)])]

// Requests.
[JsonSerializable(typeof(StartRunRequest))]
[JsonSerializable(typeof(CancelRequest))]
[JsonSerializable(typeof(ForkRequest))]
[JsonSerializable(typeof(RerunRequest))]
[JsonSerializable(typeof(BulkCancelRequest))]
[JsonSerializable(typeof(DecisionRequest))]
[JsonSerializable(typeof(DefinitionRequest))]
[JsonSerializable(typeof(PlanRequest))]

// Responses, by declared type and by the type of the value returned.
[JsonSerializable(typeof(RunSummary))]
[JsonSerializable(typeof(RunPage))]
[JsonSerializable(typeof(RunDetail))]
[JsonSerializable(typeof(ControlResult))]
[JsonSerializable(typeof(BulkCancelResult))]
[JsonSerializable(typeof(RunChange))]
[JsonSerializable(typeof(ApprovalView[]))]
[JsonSerializable(typeof(IReadOnlyList<ApprovalView>))]
[JsonSerializable(typeof(DefinitionView))]
[JsonSerializable(typeof(DefinitionView[]))]
[JsonSerializable(typeof(IReadOnlyList<DefinitionView>))]
[JsonSerializable(typeof(GraphView))]
[JsonSerializable(typeof(WorkflowView[]))]
[JsonSerializable(typeof(IReadOnlyList<WorkflowView>))]
[JsonSerializable(typeof(WorkerView[]))]
[JsonSerializable(typeof(IReadOnlyList<WorkerView>))]
[JsonSerializable(typeof(PlanView))]
[JsonSerializable(typeof(PlanView[]))]
[JsonSerializable(typeof(IReadOnlyList<PlanView>))]
[JsonSerializable(typeof(DryRunView))]
[JsonSerializable(typeof(UsageReport))]
[JsonSerializable(typeof(object))]

// Route and query parameters (the OpenAPI document's schemas of them).
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(int))]
[JsonSerializable(typeof(int?))]
[JsonSerializable(typeof(long))]
[JsonSerializable(typeof(long?))]
[JsonSerializable(typeof(bool))]
[JsonSerializable(typeof(DateTimeOffset?))]
[JsonSerializable(typeof(JsonElement))]

// What the core's run events hold: the events are resolved by the core's metadata, their values here
// (token usage too, so its schema names the constructor's parameters required).
[JsonSerializable(typeof(TimeSpan))]
[JsonSerializable(typeof(DateTimeOffset))]
[JsonSerializable(typeof(IReadOnlyList<string>))]
[JsonSerializable(typeof(IReadOnlyDictionary<string, JsonElement>))]
[JsonSerializable(typeof(TokenUsage))]
internal sealed partial class ApiJsonContext : JsonSerializerContext;
