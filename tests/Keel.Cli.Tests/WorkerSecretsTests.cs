namespace Keel.Cli.Tests;

public sealed class WorkerSecretsTests : IDisposable
{
    private readonly TempFolder _folder = new();

    [Fact]
    public async Task Run_CommandWorker_InheritsOnlyTheAllowlistAndItsInheritEnv_NeverTheApiKey()
    {
        var file = _folder.Write("env.yaml", """
            name: env
            goal: g
            workers:
              printer:
                kind: command
                command: /bin/sh
                args: ["-c", "cat > /dev/null; env > seen.txt; printf '{\"ok\":true}'"]
                env: { DECLARED: "yes" }
                inherit_env: [ALLOWED_*]
            steps:
              - id: print
                worker: printer
            """);
        var secret = "sk-keel-env-" + Guid.NewGuid().ToString("N");

        var run = await KeelProcess.RunAsync(
            _folder.Path,
            new Dictionary<string, string> { ["OPENAI_API_KEY"] = secret, ["MY_TOKEN"] = secret, ["ALLOWED_ONE"] = "first", ["LANG"] = "C.UTF-8" },
            "run",
            file);

        Assert.True(run.ExitCode == 0, run.ToString());
        var seen = File.ReadAllLines(_folder.File("seen.txt"));
        Assert.Contains(seen, l => l.StartsWith("PATH=", StringComparison.Ordinal));
        Assert.Contains("LANG=C.UTF-8", seen);
        Assert.Contains("ALLOWED_ONE=first", seen);
        Assert.Contains("DECLARED=yes", seen);
        Assert.Contains(seen, l => l.StartsWith("KEEL_RUN_ID=", StringComparison.Ordinal));
        Assert.DoesNotContain(seen, l => l.Contains(secret, StringComparison.Ordinal));
        Assert.DoesNotContain(seen, l => l.StartsWith("OPENAI_API_KEY=", StringComparison.Ordinal) || l.StartsWith("MY_TOKEN=", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Run_BaseUrlWithAPassword_PrintsTheModelOnStderrWithoutThePassword_AndNoBannerForFilesWithoutLlmWorkers()
    {
        var llm = _folder.Write("llm.yaml", """
            name: llm
            goal: g
            workers:
              writer:
                kind: llm
                instructions: "Write about {{goal}}"
            steps:
              - id: write
                worker: writer
            """);
        var plain = _folder.Write("plain.yaml", """
            name: plain
            goal: g
            workers:
              echo:
                kind: command
                command: /bin/sh
                args: ["-c", "cat > /dev/null; printf '{\"ok\":true}'"]
            steps:
              - id: only
                worker: echo
            """);
        var model = new Dictionary<string, string>
        {
            ["OPENAI_BASE_URL"] = "http://keeluser:PASSWORD-3141@127.0.0.1:9/v1",
            ["OPENAI_API_KEY"] = "sk-keel-banner-0123456789",
            ["KEEL_MODEL"] = "gpt-test",
        };

        var withLlm = await KeelProcess.RunAsync(_folder.Path, model, "run", llm);
        var withoutLlm = await KeelProcess.RunAsync(_folder.Path, model, "run", plain);

        Assert.Contains("Model: openai-compatible model 'gpt-test' at http://[redacted]@127.0.0.1:9/v1", withLlm.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Model:", withLlm.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("PASSWORD-3141", withLlm.Out + withLlm.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("keeluser", withLlm.Out + withLlm.Error, StringComparison.Ordinal);
        Assert.True(withoutLlm.ExitCode == 0, withoutLlm.ToString());
        Assert.DoesNotContain("Model:", withoutLlm.Out + withoutLlm.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("model", withoutLlm.Error, StringComparison.OrdinalIgnoreCase);
    }

    public void Dispose() => _folder.Dispose();
}
