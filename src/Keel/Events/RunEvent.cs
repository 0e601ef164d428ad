using System.Text.Json.Serialization;

namespace Keel;

/// <summary>
/// One change of a run, numbered per run from 1 without gaps. The run's owner writes each event in the
/// same transaction as the checkpoint it describes, so a watcher in any process sees the events of every
/// committed checkpoint, in order, and nothing that was not committed (except <see cref="AttemptStarted"/>,
/// which in-process listeners see as the attempt begins; it is stored with the attempt's checkpoint, or on its
/// own once the attempt has run for <c>OrchestratorOptions.AttemptStartCommitDelay</c>, 1 s by default).
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type", UnknownDerivedTypeHandling = JsonUnknownDerivedTypeHandling.FailSerialization)]
[JsonDerivedType(typeof(RunCreated), "run_created")]
[JsonDerivedType(typeof(AttemptStarted), "attempt_started")]
[JsonDerivedType(typeof(AttemptRecorded), "attempt_recorded")]
[JsonDerivedType(typeof(RunParked), "run_parked")]
[JsonDerivedType(typeof(DecisionRecorded), "decision_recorded")]
[JsonDerivedType(typeof(CancelRequested), "cancel_requested")]
[JsonDerivedType(typeof(RunPaused), "run_paused")]
[JsonDerivedType(typeof(RunResumed), "run_resumed")]
[JsonDerivedType(typeof(RunEnded), "run_ended")]
[JsonDerivedType(typeof(LeaseLost), "lease_lost")]
[JsonDerivedType(typeof(BranchAttemptFinished), "branch_attempt_finished")]
public abstract record RunEvent
{
    /// <summary>The run the event belongs to.</summary>
    public required string RunId { get; init; }

    /// <summary>The event's number in its run, from 1, without gaps.</summary>
    public required long Sequence { get; init; }

    /// <summary>When the change happened (the owner's clock).</summary>
    public required DateTimeOffset Timestamp { get; init; }

    /// <summary>The event's recorded type name (snake case), as stores and streams write it.</summary>
    [JsonIgnore]
    public string Type => RunEventJson.TypeName(this);
}
