using System.Text;
using System.Text.Json;

namespace Keel.AI;

/// <summary>
/// A test helper: replays a recorded run with no network and checks that it takes the recorded path.
/// Load a file written by <see cref="ExportAsync(string, WorkflowResult, ChatRecording, CancellationToken)"/>,
/// register workers built on <see cref="ChatClient"/>, run with <see cref="RunAsync"/>, then
/// <see cref="AssertSamePath"/>.
/// </summary>
public sealed class KeelReplay
{
    private KeelReplay(ChatRecording recording, string source)
    {
        Recording = recording;
        Source = source;
        Client = new ReplayChatClient(recording);
    }

    /// <summary>The recording being replayed.</summary>
    public ChatRecording Recording { get; }

    /// <summary>Where the recording was loaded from.</summary>
    public string Source { get; }

    /// <summary>The chat client that serves the recording: give it to the workers under test.</summary>
    public Microsoft.Extensions.AI.IChatClient ChatClient => Client;

    /// <summary>The replaying client, with the mismatches it met.</summary>
    public ReplayChatClient Client { get; }

    /// <summary>Loads the recording at <paramref name="path"/> for replay.</summary>
    /// <exception cref="KeelException">The file is not a Keel recording.</exception>
    public static async Task<KeelReplay> LoadAsync(string path, CancellationToken cancellationToken = default)
        => new(await ChatRecording.LoadAsync(path, cancellationToken).ConfigureAwait(false), path);

    /// <summary>Runs the recorded workflow with the recorded goal and initial data.</summary>
    public Task<WorkflowResult> RunAsync(Orchestrator orchestrator, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(orchestrator);
        var workflow = Recording.WorkflowName ?? throw new KeelException($"{Source}: the recording names no workflow; run it yourself and call AssertSamePath.");
        var data = Recording.Data?.ToDictionary(p => p.Key, p => (object?)p.Value);
        return orchestrator.ExecuteWorkflowAsync(workflow, Recording.Goal, new ExecuteOptions { Data = data }, cancellationToken);
    }

    /// <summary>
    /// Throws <see cref="ReplayAssertionException"/> when the run's history differs from the expected one
    /// (step, visit, attempt, outcome, next step, output, error and usage of every attempt), or when a
    /// model call did not match the recording.
    /// </summary>
    public void AssertSamePath(WorkflowResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var expected = Recording.Expected ?? throw new KeelException($"{Source}: the recording has no expected path; export it with KeelReplay.ExportAsync.");
        var problems = new List<string>();
        problems.AddRange(Client.Mismatches.Select(m => m.Message));
        var actual = result.History.Select(ExpectedAttempt.From).ToList();
        for (var i = 0; i < Math.Max(expected.Count, actual.Count); i++)
        {
            if (i >= actual.Count)
            {
                problems.Add($"entry {i}: expected {expected[i]}, the run stopped before it ({result.State}: {result.Error})");
                break;
            }

            if (i >= expected.Count)
            {
                problems.Add($"entry {i}: the run went on to {actual[i]}, which the recording does not expect");
                break;
            }

            if (Difference(expected[i], actual[i]) is { } difference)
            {
                problems.Add($"entry {i} ({expected[i].StepId}): {difference}");
                break;
            }
        }

        if (problems.Count > 0)
        {
            throw new ReplayAssertionException($"The replayed run of '{Recording.WorkflowName}' differs from {Source}:" + Environment.NewLine + string.Join(Environment.NewLine, problems.Select(p => "  - " + p)));
        }
    }

    /// <summary>Writes a regression test file: the run's recorded calls plus its history as the expected path.</summary>
    public static Task ExportAsync(string path, WorkflowResult result, ChatRecording recording, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(result);
        return Export(path, result.WorkflowName, Goal(result.History, recording), recording.Data, result.History, recording, cancellationToken);
    }

    /// <summary>Writes a regression test file for a stored run: its goal, initial data and history, plus the recorded calls.</summary>
    public static async Task ExportAsync(string path, IRunStore store, string runId, ChatRecording recording, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        var run = await store.GetRunAsync(runId, cancellationToken).ConfigureAwait(false) ?? throw new RunNotFoundException(runId);
        var history = await store.GetHistoryAsync(runId, cancellationToken).ConfigureAwait(false);
        await Export(path, run.WorkflowName, run.Goal, new Dictionary<string, JsonElement>(run.InitialData), history, recording, cancellationToken).ConfigureAwait(false);
    }

    private static Task Export(string path, string workflow, string? goal, Dictionary<string, JsonElement>? data, IReadOnlyList<HistoryEntry> history, ChatRecording recording, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(recording);
        var file = new ChatRecording
        {
            WorkflowName = workflow,
            Goal = goal,
            Data = data is { Count: > 0 } ? data : null,
            Calls = [.. recording.Calls],
            Expected = history.Select(ExpectedAttempt.From).ToList(),
        };
        return file.SaveAsync(path, cancellationToken);
    }

    private static string? Goal(IReadOnlyList<HistoryEntry> history, ChatRecording recording)
        => recording.Goal ?? (history.Count > 0 && history[0].Input.ValueKind == JsonValueKind.String ? history[0].Input.GetString() : null);

    private static string? Difference(ExpectedAttempt expected, ExpectedAttempt actual)
    {
        var text = new StringBuilder();
        if (expected.StepId != actual.StepId || expected.Visit != actual.Visit || expected.Attempt != actual.Attempt)
        {
            return $"expected {expected}, got {actual}";
        }

        if (expected.Outcome != actual.Outcome)
        {
            text.Append($"outcome {actual.Outcome}, expected {expected.Outcome}; ");
        }

        if (expected.NextStep != actual.NextStep)
        {
            text.Append($"next step '{actual.NextStep}', expected '{expected.NextStep}'; ");
        }

        if (!SameJson(expected.Output, actual.Output))
        {
            text.Append($"output {Show(actual.Output)}, expected {Show(expected.Output)}; ");
        }

        if (!string.Equals(expected.Error, actual.Error, StringComparison.Ordinal))
        {
            text.Append($"error \"{actual.Error}\", expected \"{expected.Error}\"; ");
        }

        if (expected.Usage != actual.Usage)
        {
            text.Append($"usage {actual.Usage}, expected {expected.Usage}; ");
        }

        return text.Length == 0 ? null : text.ToString().TrimEnd(' ', ';');
    }

    private static bool SameJson(JsonElement? a, JsonElement? b)
        => a is null || b is null ? a is null && b is null : JsonElement.DeepEquals(a.Value, b.Value);

    private static string Show(JsonElement? value) => value is { } v ? v.GetRawText() : "(none)";
}

/// <summary>A replayed run did not take the recorded path; the message lists the first difference and every request mismatch.</summary>
public sealed class ReplayAssertionException(string message) : KeelException(message);
