using System.Text;

namespace Keel.Workflows.Tests;

/// <summary>Broken, hostile and huge files are refused with their position, never a crash, a hang or unbounded memory.</summary>
public sealed class HostileFileTests
{
    private static WorkflowFileProblem Single(string yaml, WorkflowReadOptions? options = null)
    {
        var result = WorkflowDocument.Parse(yaml, sourceName: "w.yaml", options: options);
        Assert.False(result.IsValid);
        return Assert.Single(result.Problems);
    }

    /// <summary>Loads a workflow file holding exactly <paramref name="bytes"/> (written to a temporary file, then deleted).</summary>
    private static WorkflowReadResult LoadBytes(byte[] bytes)
    {
        var path = Path.Combine(Path.GetTempPath(), $"keel-bytes-{Guid.NewGuid():N}.yaml");
        File.WriteAllBytes(path, bytes);
        try
        {
            return WorkflowDocument.Load(path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static string Step(string field) => $"name: w\nsteps:\n  - id: a\n    worker: coder\n    {field}\n";

    [Fact]
    public void Load_ADeviceThatNeverEnds_IsRefusedAfterTheLimitNotReadUntilMemoryRunsOut()
    {
        var result = WorkflowDocument.Load("/dev/zero", new WorkflowReadOptions { MaxFileBytes = 64 * 1024 });

        var problem = Assert.Single(result.Problems);
        Assert.Contains("more than the limit of 65536 bytes was read", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_BytesThatAreNotUtf8_IsAProblemAtTheirLine_NotReplaced()
    {
        var result = LoadBytes([.. Encoding.ASCII.GetBytes("name: w\nsteps:\n  - id: caf"), 0xE9, .. Encoding.ASCII.GetBytes("\n    worker: coder\n")]);

        var problem = Assert.Single(result.Problems);
        Assert.Equal((3, 12), (problem.Line, problem.Column));
        Assert.StartsWith("is not UTF-8 text: byte 0xE9", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_AUtf8FileWithAByteOrderMark_Reads()
    {
        var result = LoadBytes(new UTF8Encoding(encoderShouldEmitUTF8Identifier: true).GetPreamble().Concat(Encoding.UTF8.GetBytes("name: café\nsteps:\n  - id: a\n    worker: coder\n")).ToArray());

        Assert.True(result.IsValid, string.Join("; ", result.Problems));
        Assert.Equal("café", result.File!.Definition.Name);
    }

    [Fact]
    public void Load_ADirectory_SaysItIsADirectory()
    {
        var problem = Assert.Single(WorkflowDocument.Load(Path.GetTempPath()).Problems);

        Assert.Equal("is a directory, not a workflow file", problem.Message);
    }

    [Fact]
    public void Parse_UnclosedFlowList_IsAProblemWithItsPosition()
    {
        var result = WorkflowDocument.Parse("name: w\nsteps:\n  - id: a\n    worker: coder\n    on_success: [complete\n  - id: b\n    worker: coder\n", sourceName: "w.yaml");

        var problem = Assert.Single(result.Problems);
        Assert.StartsWith("invalid YAML", problem.Message, StringComparison.Ordinal);
        Assert.True(problem.Line >= 5, problem.ToString());
    }

    [Fact]
    public void Parse_ATabAsIndentation_IsAProblemAtTheTab()
    {
        var problem = Single("name: w\nsteps:\n\t- id: a\n    worker: coder\n");

        Assert.Equal((3, 1), (problem.Line, problem.Column));
        Assert.Contains("tab as indentation", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_UnclosedFlowListOnTheLastLine_IsAProblemOnThatLine_NotPastTheEnd()
    {
        var problem = Single("name: w\nsteps:\n  - id: a\n    worker: coder\n    on_success: [complete\n");

        Assert.Equal((5, 26), (problem.Line, problem.Column));
    }

    [Fact]
    public void Parse_AWorkerOfAnUnknownKind_IsOneProblemAtItsKind_NotAlsoUndeclaredAtEachStep()
    {
        var problem = Single("name: w\nworkers:\n  tester:\n    kind: shell\nsteps:\n  - id: a\n    worker: tester\n");

        Assert.Equal((4, 11), (problem.Line, problem.Column));
        Assert.StartsWith("unknown worker kind 'shell' for worker 'tester'", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ALabelNamingAnUnknownStep_IsAProblemAtTheLabels_NotAtTheStep()
    {
        var problem = Single("name: w\nsteps:\n  - id: a\n    worker: coder\n    label_field: verdict\n    on_label:\n      ok: complete\n      bogus: nowhere\n");

        Assert.True(problem.Line >= 6, problem.ToString());
        Assert.Contains("field 'on_label.bogus': names unknown step 'nowhere'", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_UnclosedFlowListAtTheEnd_IsAProblem()
    {
        var problem = Single("name: w\nsteps: [ { id: a, worker: coder }");

        Assert.StartsWith("invalid YAML", problem.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("timeout: 1e300", "field 'timeout' is too large")]
    [InlineData("retry_delay: 99999999999h", "field 'retry_delay' is too large")]
    [InlineData("max_retry_delay: 1e30d", "field 'max_retry_delay' is too large")]
    [InlineData("max_retries: 99999999999999", "field 'max_retries' is too large")]
    [InlineData("retry_backoff: 1e400", "field 'retry_backoff' is too large")]
    public void Parse_NumberBeyondAnyBound_IsAProblemAtTheField(string field, string message)
    {
        var problem = Single(Step(field));

        Assert.Equal((5, 5 + field.IndexOf(' ', StringComparison.Ordinal) + 1), (problem.Line, problem.Column));
        Assert.StartsWith(message, problem.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("timeout: 8d", "step 'a', field 'timeout': must be at most 7 d")]
    [InlineData("retry_delay: 25h", "step 'a', field 'retry_delay': must be at most 1 d")]
    [InlineData("max_retry_delay: 2d", "step 'a', field 'max_retry_delay': must be at most 1 d")]
    [InlineData("retry_backoff: 1e300", "step 'a', field 'retry_backoff': must be from 1 to 10")]
    [InlineData("max_retries: 1000000000", "step 'a', field 'max_retries': must be at most 100")]
    public void Parse_ValueOutsideItsDocumentedBound_IsAProblemAtTheField(string field, string message)
    {
        var problem = Single(Step(field));

        Assert.Equal(5, problem.Line);
        Assert.StartsWith(message, problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_MaxStepsBeyondTheBudgetBound_IsAProblem()
    {
        var problem = Single("name: w\nmax_steps: 2000000\nsteps:\n  - id: a\n    worker: coder\n");

        Assert.Equal(2, problem.Line);
        Assert.Contains("max_steps", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_AliasBomb_IsRefusedBeforeItGrows()
    {
        var yaml = new StringBuilder("a0: &a0 [x, x, x, x, x, x, x, x, x]\n");
        for (var i = 1; i <= 9; i++)
        {
            yaml.Append(CultureInfo($"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]\n"));
        }

        yaml.Append("name: w\nsteps: [{ id: a, worker: coder, description: *a9 }]\n");
        Assert.True(yaml.Length < 1024);

        var problem = Single(yaml.ToString());

        Assert.Contains("more than 1000000 nodes once its aliases are expanded", problem.Message, StringComparison.Ordinal);
        Assert.True(problem.Line > 0);
    }

    [Fact]
    public void Parse_TooManyAliases_IsRefused()
    {
        var yaml = "x: &x 1\nlist: [" + string.Join(", ", Enumerable.Repeat("*x", 20)) + "]\n";

        var problem = Single(yaml, new WorkflowReadOptions { MaxAliases = 10 });

        Assert.Contains("more than 10 aliases", problem.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Parse_Nesting50000Deep_IsRefusedWithoutOverflowingTheStack(bool json)
    {
        var text = json
            ? "{\"name\": \"w\", \"x\": " + new string('[', 50_000) + new string(']', 50_000) + "}"
            : "name: w\nx: " + new string('[', 50_000) + new string(']', 50_000) + "\n";

        var result = WorkflowDocument.Parse(text, sourceName: "w");

        var problem = Assert.Single(result.Problems);
        Assert.True(problem.Line == 1 || problem.Line == 2, problem.ToString());
        Assert.Contains(json ? "depth" : "deeper than 64 levels", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_BlockNesting_DeeperThanTheLimit_IsRefused()
    {
        var yaml = new StringBuilder("name: w\nx:\n");
        for (var i = 0; i < 100; i++)
        {
            yaml.Append(new string(' ', 2 * (i + 1))).Append("k:\n");
        }

        var problem = Single(yaml.ToString());

        Assert.Contains("deeper than 64 levels", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_FileLargerThanTheLimit_IsRefusedWithoutReadingIt()
    {
        var path = Path.Combine(Path.GetTempPath(), $"keel-big-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, "name: w\n# " + new string('x', 2000) + "\nsteps: []\n");
        try
        {
            var result = WorkflowDocument.Load(path, new WorkflowReadOptions { MaxFileBytes = 1000 });

            Assert.Null(result.File);
            Assert.Contains("larger than the limit of 1000", Assert.Single(result.Problems).Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Parse_TenThousandSteps_IsReadAndValidated()
    {
        var result = WorkflowDocument.Parse(LargeWorkflow.Yaml(10_000), sourceName: "large.yaml");

        Assert.True(result.IsValid, string.Join("\n", result.Problems.Take(5)));
        Assert.Equal(10_000, result.File!.Definition.Steps.Count);
    }

    private static string CultureInfo(FormattableString text) => FormattableString.Invariant(text);
}
