namespace Keel.Cli.Tests;

public sealed class ValidateCommandTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public static TheoryData<string> ExampleFiles()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(KeelProcess.Examples).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(file));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ExampleFiles))]
    public async Task Validate_Example_IsValidAndExitsZero(string name)
    {
        var result = await KeelProcess.RunAsync(_folder.Path, "validate", Path.Combine(KeelProcess.Examples, name));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("valid", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_YamlWithSeveralProblems_ListsEachWithLineAndColumnAndExitsTwo()
    {
        var file = _folder.Write("broken.yaml", """
            name: broken
            workers:
              coder:
                kind: builtin
              tester:
                kind: shell
            steps:
              - id: build
                worker: coder
                on_success: deploy
                max_retries: many
              - id: check
                worker: coder
                timeout: soon
            """);

        var result = await KeelProcess.RunAsync(_folder.Path, "validate", file);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("broken.yaml:6:11: unknown worker kind 'shell'", result.Error, StringComparison.Ordinal);
        Assert.Contains("broken.yaml:10:17: step 'build', field 'on_success': names unknown step 'deploy'", result.Error, StringComparison.Ordinal);
        Assert.Contains("broken.yaml:11:18: field 'max_retries' must be a whole number, found 'many'", result.Error, StringComparison.Ordinal);
        Assert.Contains("broken.yaml:14:14: field 'timeout' must be a duration", result.Error, StringComparison.Ordinal);
        Assert.Contains("broken.yaml:12:9: step 'check', field 'id': unreachable", result.Error, StringComparison.Ordinal);
        Assert.Contains("broken.yaml:8:3: field 'on_success': the terminal 'complete' cannot be reached", result.Error, StringComparison.Ordinal);
        Assert.Contains("6 problems", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_YamlSyntaxError_NamesFileLineAndColumn()
    {
        var file = _folder.Write("syntax.yaml", "name: x\nsteps:\n  - id: a\n    worker: [coder\n");

        var result = await KeelProcess.RunAsync(_folder.Path, "validate", file);

        Assert.Equal(2, result.ExitCode);
        Assert.Matches(@"syntax\.yaml:\d+:\d+: invalid YAML: ", result.Error);
    }

    [Fact]
    public async Task Validate_JsonSyntaxError_NamesLineAndColumnAndWhatWasExpected()
    {
        var file = _folder.Write("broken.json", "{\n  \"name\": \"x\",\n  \"steps\": [\n    { \"id\": \"a\" \"worker\": \"coder\" }\n  ]\n}\n");

        var result = await KeelProcess.RunAsync(_folder.Path, "validate", file);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("broken.json:4:", result.Error, StringComparison.Ordinal);
        Assert.Contains("invalid JSON:", result.Error, StringComparison.Ordinal);
        Assert.Contains("Expected", result.Error, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Validate_JsonWithUndeclaredWorker_PointsAtTheWorkerField()
    {
        var file = _folder.Write("workflow.json", """
            {
              "name": "json-flow",
              "steps": [
                { "id": "a", "worker": "coder", "on_success": "b" },
                { "id": "b", "worker": "translator" }
              ]
            }
            """);

        var result = await KeelProcess.RunAsync(_folder.Path, "validate", file);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("workflow.json:5:28: step 'b' uses worker 'translator', which is not declared under 'workers:'", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_MissingFile_ExitsTwoNamingIt()
    {
        var result = await KeelProcess.RunAsync(_folder.Path, "validate", "nowhere.yaml");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("nowhere.yaml: no such file", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_ListsExitCodes()
    {
        var result = await KeelProcess.RunAsync(_folder.Path, "--help");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("3    the run waits for approval", result.Out, StringComparison.Ordinal);
        Assert.Contains("130  interrupted by Ctrl+C", result.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_ASubWorkflowThatIsNotThere_IsAProblem_AsWhenTheRunStarts()
    {
        var file = _folder.Write("miss.yaml", "name: miss\ngoal: g\nsteps:\n  - { id: a, sub_workflow: nothere }\n");

        var result = await KeelProcess.RunAsync(_folder.Path, "validate", file);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"step 'a' of {file} runs workflow 'nothere', and no file holds it: a sub-workflow is read from nothere.yaml, nothere.yml or nothere.json", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ValidateAndRun_SubWorkflowsRunningEachOtherInACycle_NameTheCycleAndTheFiles()
    {
        var first = _folder.Write("ra.yaml", "name: ra\ngoal: g\nsteps:\n  - { id: a, sub_workflow: rb }\n");
        _folder.Write("rb.yaml", "name: rb\nsteps:\n  - { id: b, sub_workflow: rc }\n");
        _folder.Write("rc.yaml", "name: rc\nsteps:\n  - { id: c, sub_workflow: ra }\n");

        var validate = await KeelProcess.RunAsync(_folder.Path, "validate", first);
        var run = await KeelProcess.RunAsync(_folder.Path, "run", first);

        foreach (var result in new[] { validate, run })
        {
            Assert.True(result.ExitCode == 2, result.ToString());
            Assert.Contains("sub-workflows run each other in a cycle, so no run of them could end: rc -> ra -> rb -> rc", result.Error, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Validate_ASubWorkflowFileHoldingAnotherWorkflow_SaysWhichItHolds()
    {
        var file = _folder.Write("parent.yaml", "name: parent\ngoal: g\nsteps:\n  - { id: a, sub_workflow: child }\n");
        var child = _folder.Write("child.yaml", "name: renamed\nsteps:\n  - { id: b, worker: coder }\n");

        var result = await KeelProcess.RunAsync(_folder.Path, "validate", file);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains($"runs workflow 'child', but {child} holds workflow 'renamed'", result.Error, StringComparison.Ordinal);
    }

    public void Dispose() => _folder.Dispose();
}
