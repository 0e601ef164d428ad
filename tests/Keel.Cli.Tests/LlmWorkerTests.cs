using System.Text;
using System.Text.Json;

namespace Keel.Cli.Tests;

/// <summary>llm workers and the demo on a configured model: the keel command talks to a loopback OpenAI-compatible server.</summary>
public sealed class LlmWorkerTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly string _key = "sk-keel-test-" + Guid.NewGuid().ToString("N");

    [Fact]
    public async Task Run_LlmWorkers_CompleteOnTheConfiguredModel_ShowTokens_AndTheKeyIsNowhere()
    {
        var file = _folder.Write("summary.yaml", """
            name: summarise
            goal: the benefits of sourdough bread
            workers:
              writer:
                kind: llm
                instructions: "Write a one-line summary of: {{goal}}"
                output_schema:
                  type: object
                  required: [summary]
                  properties:
                    summary: { type: string }
              critic:
                kind: llm
                instructions: "Judge this summary: {{input.summary}}"
                model: gpt-critic
                output_schema:
                  type: object
                  required: [approved]
                  properties:
                    approved: { type: boolean }
            steps:
              - id: write
                worker: writer
                max_retries: 1
                on_success: judge
              - id: judge
                worker: critic
            """);
        var writes = 0;
        await using var server = await OpenAIServer.StartAsync((request, _) =>
        {
            var system = request.Messages[0].Content;
            if (system.StartsWith("Write a one-line summary", StringComparison.Ordinal))
            {
                // The first answer misses the required field: the schema rejects it and the retry repairs it.
                return Interlocked.Increment(ref writes) == 1
                    ? Reply.Content("""{"headline":"Sourdough keeps"}""", 30, 7)
                    : Reply.Content("""{"summary":"Sourdough keeps longer and tastes of something."}""", 45, 12);
            }

            return Reply.Content("""{"approved":true}""", 20, 3);
        });

        var run = await KeelProcess.RunAsync(_folder.Path, Model(server), "run", file);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("Model: openai-compatible model 'gpt-test'", run.Error, StringComparison.Ordinal);
        Assert.Matches(@"write\s+writer\s+attempt 1\s+invalid_output .*tokens 37 .*does not match the schema", run.Out);
        Assert.Matches(@"write\s+writer\s+attempt 2\s+succeeded .*tokens 57", run.Out);
        Assert.Matches(@"judge\s+critic\s+attempt 1\s+succeeded .*tokens 23", run.Out);
        Assert.Equal(3, server.Requests.Count);
        Assert.All(server.Requests, r => Assert.Equal("Bearer " + _key, r.Authorization));
        Assert.Contains("Write a one-line summary of: the benefits of sourdough bread", server.Requests[0].AllText, StringComparison.Ordinal);
        Assert.Contains("Your previous answer was rejected", server.Requests[1].AllText, StringComparison.Ordinal);
        Assert.Equal("json_schema", server.Requests[0].Body.GetProperty("response_format").GetProperty("type").GetString());
        Assert.Contains("Judge this summary: Sourdough keeps longer", server.Requests[2].AllText, StringComparison.Ordinal);
        Assert.Equal("gpt-test", server.Requests[0].Body.GetProperty("model").GetString());
        Assert.Equal("gpt-critic", server.Requests[2].Body.GetProperty("model").GetString());

        var runId = RunCommandTests.RunIdIn(run.Out);
        var show = await KeelProcess.RunAsync(_folder.Path, "show", runId, "--outputs");
        Assert.True(show.ExitCode == 0, show.ToString());
        Assert.Contains("Tokens    95 in, 22 out", show.Out, StringComparison.Ordinal);
        Assert.Matches(@"\n1\s+write\s+writer\s+2\s+succeeded\s+.+?\s+57\s+judge", show.Out);
        Assert.Contains("Sourdough keeps longer and tastes of something.", show.Out, StringComparison.Ordinal);

        foreach (var output in new[] { run.Out, run.Error, show.Out, show.Error })
        {
            Assert.DoesNotContain(_key, output, StringComparison.Ordinal);
        }

        var storeFiles = Directory.GetFiles(_folder.Path, "keel.db*");
        Assert.NotEmpty(storeFiles);
        var key = Encoding.UTF8.GetBytes(_key);
        foreach (var storeFile in storeFiles)
        {
            Assert.True(File.ReadAllBytes(storeFile).AsSpan().IndexOf(key) < 0, $"the API key is in {storeFile}");
        }
    }

    [Fact]
    public async Task Run_LlmWorker_OnOllama_CompletesOverItsWireFormat_WithTokens()
    {
        var file = _folder.Write("ollama.yaml", """
            name: local
            goal: rye bread
            workers:
              writer:
                kind: llm
                instructions: "Name one loaf made of: {{goal}}"
                output_schema:
                  type: object
                  required: [loaf]
                  properties:
                    loaf: { type: string }
            steps:
              - id: write
                worker: writer
            """);
        await using var server = await OpenAIServer.StartAsync((_, _) => Reply.Content("""{"loaf":"Roggenbrot"}""", 11, 4));

        var run = await KeelProcess.RunAsync(_folder.Path, new Dictionary<string, string> { ["OLLAMA_HOST"] = server.Root.ToString(), ["KEEL_MODEL"] = "llama-test" }, "run", file, "--json");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("ollama model 'llama-test'", run.Error, StringComparison.Ordinal);
        using var result = JsonDocument.Parse(run.Out);
        Assert.Equal("Roggenbrot", result.RootElement.GetProperty("final_output").GetProperty("loaf").GetString());
        Assert.Equal(11, result.RootElement.GetProperty("usage").GetProperty("input_tokens").GetInt32());
        var request = Assert.Single(server.Requests);
        Assert.Equal("llama-test", request.Body.GetProperty("model").GetString());
        Assert.Contains("Name one loaf made of: rye bread", request.AllText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_ModelAnswerNeverMatchesTheSchema_RunFailsWithTheValidationError()
    {
        var file = _folder.Write("strict.yaml", """
            name: strict
            goal: count the loaves
            workers:
              counter:
                kind: llm
                instructions: "Count: {{goal}}"
                output_schema:
                  type: object
                  required: [loaves]
                  properties:
                    loaves: { type: integer }
            steps:
              - id: count
                worker: counter
                max_retries: 1
            """);
        await using var server = await OpenAIServer.StartAsync((_, _) => Reply.Content("""{"loaves":"many"}"""));

        var run = await KeelProcess.RunAsync(_folder.Path, Model(server), "run", file, "--json");

        Assert.True(run.ExitCode == 1, run.ToString());
        using var result = JsonDocument.Parse(run.Out);
        Assert.Equal("failed", result.RootElement.GetProperty("state").GetString());
        var history = result.RootElement.GetProperty("history").EnumerateArray().ToArray();
        Assert.Equal(2, history.Length);
        Assert.All(history, e => Assert.Equal("invalid_output", e.GetProperty("outcome").GetString()));
        Assert.Contains("loaves", history[1].GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Contains("Model: openai-compatible model 'gpt-test'", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Demo_WithAModelConfigured_RunsChatWorkers_SaysWhichModel_AndWritesTheirPage()
    {
        var reviews = 0;
        await using var server = await OpenAIServer.StartAsync((request, _) =>
        {
            var system = request.Messages[0].Content;
            if (system.Contains("product manager", StringComparison.Ordinal))
            {
                return Reply.Content(JsonSerializer.Serialize(new
                {
                    title = "Crumb & Crust",
                    audience = "neighbours",
                    sections = new[] { new { id = "hours", heading = "Opening hours", summary = "When we bake." }, new { id = "cakes", heading = "Birthday cakes", summary = "How to order." } },
                }), 60, 40);
            }

            if (system.Contains("web developer", StringComparison.Ordinal))
            {
                var html = request.AllText.Contains("no cake section", StringComparison.Ordinal)
                    ? "<html><head><title>Crumb &amp; Crust</title></head><body><h1>Crumb &amp; Crust</h1><section id=\"hours\"><h2>Opening hours</h2></section><section id=\"cakes\"><h2>Birthday cakes</h2></section></body></html>"
                    : "<html><head><title>Crumb &amp; Crust</title></head><body><h1>Crumb &amp; Crust</h1><section id=\"hours\"><h2>Opening hours</h2></section></body></html>";
                return Reply.Content(JsonSerializer.Serialize(new { title = "Crumb & Crust", html, sections = new[] { "hours" } }), 80, 120);
            }

            return Interlocked.Increment(ref reviews) == 1
                ? Reply.Content("""{"approved":false,"problems":["no cake section"]}""", 90, 10)
                : Reply.Content("""{"approved":true,"problems":[]}""", 90, 5);
        });

        var demo = await KeelProcess.RunAsync(_folder.Path, Model(server), "demo", "--out", "site");

        Assert.True(demo.ExitCode == 0, demo.ToString());
        Assert.Contains("Model: openai-compatible model 'gpt-test'", demo.Error, StringComparison.Ordinal);
        Assert.Contains("chat workers", demo.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("offline workers", demo.Out + demo.Error, StringComparison.Ordinal);
        Assert.Equal(5, server.Requests.Count);
        Assert.Contains("Birthday cakes", server.Requests[1].AllText, StringComparison.Ordinal);
        Assert.Contains("no cake section", server.Requests[3].AllText, StringComparison.Ordinal);
        Assert.Matches(@"review_code\s+reviewer\s+attempt 1\s+failed .*no cake section", demo.Out);
        var page = File.ReadAllText(_folder.File(Path.Combine("site", "index.html")));
        Assert.Contains("<section id=\"cakes\">", page, StringComparison.Ordinal);

        var show = await KeelProcess.RunAsync(_folder.Path, "show", RunCommandTests.RunIdIn(demo.Out));
        Assert.Contains("builtin:build-website (chat)", show.Out, StringComparison.Ordinal);
        Assert.Contains("Tokens    400 in, 295 out", show.Out, StringComparison.Ordinal);
        Assert.DoesNotContain(_key, demo.Out + demo.Error + show.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_KeelModelWithoutAProvider_IsRefusedWithTheVariablesToSet()
    {
        var run = await KeelProcess.RunAsync(_folder.Path, new Dictionary<string, string> { ["KEEL_MODEL"] = "gpt-4o-mini" }, "demo", "--out", "site");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("KEEL_MODEL is 'gpt-4o-mini' but no provider is configured: set OPENAI_API_KEY", run.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(_folder.File("keel.db")));
    }

    [Fact]
    public async Task Validate_LlmInstructionsWithAnUnknownPlaceholder_IsAProblem_AndRunRefusesIt()
    {
        var file = _folder.Write("typo.yaml", """
            name: typo
            goal: g
            workers:
              writer:
                kind: llm
                instructions: "Summarise {{goals}}"
            steps:
              - id: write
                worker: writer
            """);
        await using var server = await OpenAIServer.StartAsync((_, _) => Reply.Content("never"));

        var validate = await KeelProcess.RunAsync(_folder.Path, "validate", file);
        var run = await KeelProcess.RunAsync(_folder.Path, Model(server), "run", file);

        Assert.Equal(2, validate.ExitCode);
        Assert.Contains("typo.yaml: llm worker 'writer': instructions template placeholder '{{goals}}'", validate.Error, StringComparison.Ordinal);
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("llm worker 'writer' cannot be built: instructions template placeholder '{{goals}}'", run.Error, StringComparison.Ordinal);
        Assert.Empty(server.Requests);
    }

    private Dictionary<string, string> Model(OpenAIServer server) => new()
    {
        ["OPENAI_BASE_URL"] = server.BaseUrl.ToString(),
        ["OPENAI_API_KEY"] = _key,
        ["KEEL_MODEL"] = "gpt-test",
    };

    public void Dispose() => _folder.Dispose();
}
