using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Keel;

/// <summary>
/// Serialization metadata for Keel's own records, generated at compile time. A process that cannot build
/// metadata by reflection (a native, ahead-of-time compiled <c>keel</c>: <see cref="JsonSerializer.IsReflectionEnabledByDefault"/>
/// is false there) reads and writes Keel's records through it; elsewhere <see cref="KeelJson.Options"/> builds them
/// by reflection, as it does for users' own types. <c>KeelJsonContextTests</c> holds the two to the same text.
/// The names and enum values come from the options it is used with (the dialect's).
/// </summary>
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(bool))]
[JsonSerializable(typeof(int))]
[JsonSerializable(typeof(long))]
[JsonSerializable(typeof(double))]
[JsonSerializable(typeof(decimal))]
[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(JsonNode))]
[JsonSerializable(typeof(JsonObject))]
[JsonSerializable(typeof(JsonArray))]
[JsonSerializable(typeof(JsonValue))]
[JsonSerializable(typeof(Dictionary<string, JsonElement>))]
[JsonSerializable(typeof(IReadOnlyDictionary<string, JsonElement>))]
[JsonSerializable(typeof(Dictionary<string, object>))]
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(List<object>))]
[JsonSerializable(typeof(object[]))]
[JsonSerializable(typeof(List<string>))]
[JsonSerializable(typeof(string[]))]
[JsonSerializable(typeof(IReadOnlyList<string>))]
[JsonSerializable(typeof(float))]
[JsonSerializable(typeof(short))]
[JsonSerializable(typeof(byte))]
[JsonSerializable(typeof(uint))]
[JsonSerializable(typeof(ulong))]
[JsonSerializable(typeof(Guid))]
[JsonSerializable(typeof(DateTimeOffset))]
[JsonSerializable(typeof(DateTime))]
[JsonSerializable(typeof(TimeSpan))]
[JsonSerializable(typeof(TokenUsage))]
[JsonSerializable(typeof(HistoryEntries.ApprovalDecision))]
[JsonSerializable(typeof(WorkflowState))]
[JsonSerializable(typeof(AttemptOutcome))]
[JsonSerializable(typeof(StepKind))]
[JsonSerializable(typeof(JoinMode))]
[JsonSerializable(typeof(RunControl))]
[JsonSerializable(typeof(GraphNodeKind))]
[JsonSerializable(typeof(GraphEdgeKind))]
[JsonSerializable(typeof(RoutingVerdict))]
[JsonSerializable(typeof(RunEvent))]
[JsonSerializable(typeof(RunCreated))]
[JsonSerializable(typeof(AttemptStarted))]
[JsonSerializable(typeof(AttemptRecorded))]
[JsonSerializable(typeof(RunParked))]
[JsonSerializable(typeof(DecisionRecorded))]
[JsonSerializable(typeof(CancelRequested))]
[JsonSerializable(typeof(RunPaused))]
[JsonSerializable(typeof(RunResumed))]
[JsonSerializable(typeof(RunEnded))]
[JsonSerializable(typeof(LeaseLost))]
[JsonSerializable(typeof(BranchAttemptFinished))]
[JsonSerializable(typeof(Plan.PlanDocument))]
internal sealed partial class KeelJsonContext : JsonSerializerContext;
