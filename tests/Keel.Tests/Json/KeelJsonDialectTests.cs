using System.Text.Json;
using System.Text.Json.Serialization;

namespace Keel.Tests.Json;

/// <summary>
/// One dialect: Keel's records and the values it serialises are written with snake_case names, and what
/// earlier versions recorded with camelCase names still reads.
/// </summary>
public sealed class KeelJsonDialectTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void RunEvent_IsWrittenWithSnakeCaseNames()
    {
        var json = RunEventJson.Serialize(new AttemptRecorded
        {
            RunId = "r1", Sequence = 3, Timestamp = T0, HistorySequence = 1, StepId = "code", WorkerType = WorkerType.Coder,
            WorkerName = "coder worker", Visit = 1, Attempt = 2, Outcome = AttemptOutcome.TimedOut, Duration = TimeSpan.FromSeconds(1), NextStep = "review",
        });

        Assert.StartsWith("{\"type\":\"attempt_recorded\",", json, StringComparison.Ordinal);
        Assert.Contains("\"run_id\":\"r1\",\"sequence\":3,", json, StringComparison.Ordinal);
        Assert.Contains("\"history_sequence\":1,\"step_id\":\"code\",\"worker_type\":\"coder\",\"worker_name\":\"coder worker\"", json, StringComparison.Ordinal);
        Assert.Contains("\"outcome\":\"timed_out\"", json, StringComparison.Ordinal);
        Assert.Contains("\"next_step\":\"review\"", json, StringComparison.Ordinal);
        Assert.DoesNotContain("Id\"", json, StringComparison.Ordinal);
    }

    [Fact]
    public void RunEvent_RecordedWithCamelCaseNamesByAnEarlierVersion_ReadsEveryField()
    {
        const string earlier = """{"type":"attempt_recorded","runId":"r1","sequence":3,"timestamp":"2026-03-01T12:00:00+00:00","historySequence":1,"stepId":"code","workerType":"coder","workerName":"coder worker","visit":1,"attempt":2,"outcome":"timed_out","duration":"00:00:01","nextStep":"review"}""";

        var read = Assert.IsType<AttemptRecorded>(RunEventJson.Deserialize(earlier));

        Assert.Equal(("r1", 3L, 1, "code", "coder", "coder worker", 2, AttemptOutcome.TimedOut, "review"), (read.RunId, read.Sequence, read.HistorySequence, read.StepId, read.WorkerType.Value, read.WorkerName, read.Attempt, read.Outcome, read.NextStep));
        Assert.Equal(RunEventJson.Serialize(read), RunEventJson.Serialize(RunEventJson.Deserialize(RunEventJson.Serialize(read))));
    }

    [Fact]
    public void HistoryEntry_RecordedWithCamelCaseNames_ReadsAsTheSnakeCaseOne()
    {
        var entry = new HistoryEntry
        {
            Sequence = 0, StepId = "plan", WorkerType = WorkerType.ProductManager, WorkerName = "pm", Visit = 1, Attempt = 1,
            Outcome = AttemptOutcome.Succeeded, Output = KeelJson.Normalize("spec"), Timestamp = T0, Duration = TimeSpan.FromMilliseconds(5), NextStep = "code", RunId = "r1",
        };
        var snake = JsonSerializer.Serialize(entry, KeelJson.Options);
        var camel = snake.Replace("\"step_id\"", "\"stepId\"", StringComparison.Ordinal).Replace("\"worker_type\"", "\"workerType\"", StringComparison.Ordinal)
            .Replace("\"worker_name\"", "\"workerName\"", StringComparison.Ordinal).Replace("\"next_step\"", "\"nextStep\"", StringComparison.Ordinal)
            .Replace("\"run_id\"", "\"runId\"", StringComparison.Ordinal);

        Assert.Contains("\"step_id\":\"plan\"", snake, StringComparison.Ordinal);
        Assert.Equal(snake, JsonSerializer.Serialize(JsonSerializer.Deserialize<HistoryEntry>(camel, KeelJson.Options), KeelJson.Options));
    }

    [Fact]
    public void PositionalRecordOfKeel_RecordedWithCamelCaseNames_ReadsEveryField()
    {
        var usage = JsonSerializer.Deserialize<TokenUsage>("""{"inputTokens":12,"outputTokens":5,"model":"m","cost":0.5}""", KeelJson.Options);
        var written = JsonSerializer.Serialize(new TokenUsage(12, 5, "m", 0.5m), KeelJson.Options);

        Assert.Equal(new TokenUsage(12, 5, "m", 0.5m), usage);
        Assert.Equal("""{"input_tokens":12,"output_tokens":5,"model":"m","cost":0.5,"total_tokens":17}""", written);
        Assert.Equal(new TokenUsage(12, 5, "m", 0.5m), JsonSerializer.Deserialize<TokenUsage>(written, KeelJson.Options));
    }

    [Fact]
    public void UserOutput_IsRecordedSnakeCase_AndAnEarlierCamelCaseRecordingStillReadsTyped()
    {
        var recorded = KeelJson.Normalize(new Page { PageTitle = "Home", WordCount = 120 });
        var earlier = KeelJson.Parse("""{"pageTitle":"Old","wordCount":7}""");

        Assert.Equal("""{"page_title":"Home","word_count":120,"html_body":null}""", recorded.GetRawText());
        Assert.Equal(("Home", 120), (KeelJson.Deserialize<Page>(recorded)!.PageTitle, KeelJson.Deserialize<Page>(recorded)!.WordCount));
        Assert.Equal(("Old", 7), (KeelJson.Deserialize<Page>(earlier)!.PageTitle, KeelJson.Deserialize<Page>(earlier)!.WordCount));
    }

    [Fact]
    public void UserOutput_NamedByJsonPropertyName_KeepsThatNameOnly()
    {
        var recorded = KeelJson.Normalize(new Named { PageTitle = "Home" });

        Assert.Equal("""{"pageTitle":"Home"}""", recorded.GetRawText());
        Assert.Null(KeelJson.Deserialize<Named>(KeelJson.Parse("""{"page_title":"Home"}"""))!.PageTitle);
    }

    [Fact]
    public void UserOutput_RequiredMemberUnderItsEarlierNameOnly_FailsNamingTheField()
    {
        var error = Assert.Throws<JsonException>(() => KeelJson.Deserialize<Strict>(KeelJson.Parse("""{"pageTitle":"Home"}""")));

        Assert.Contains("page_title", error.Message, StringComparison.Ordinal);
    }

    private sealed class Page
    {
        public string? PageTitle { get; init; }

        public int WordCount { get; init; }

        public string? HtmlBody { get; init; }
    }

    private sealed class Named
    {
        [JsonPropertyName("pageTitle")]
        public string? PageTitle { get; init; }
    }

    private sealed class Strict
    {
        public required string PageTitle { get; init; }
    }
}
