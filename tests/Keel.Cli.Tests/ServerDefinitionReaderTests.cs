using Keel.Cli.Workers;

namespace Keel.Cli.Tests;

/// <summary>What keel serve reads of a posted workflow file: each problem keyed by the JSON path the API names it with.</summary>
public sealed class ServerDefinitionReaderTests
{
    [Fact]
    public void Read_ProblemsOfASteppedField_AreKeyedByStepAndField_OthersByField()
    {
        const string Yaml = """
            name: posted
            steps:
              - id: a
                worker: coder
                on_success: nowhere
                timeout: abc
            """;

        var read = new ServerDefinitionReader(allowCommandWorkers: false, Path.GetTempPath()).Read(Yaml, "yaml");

        Assert.Null(read.Definition);
        var fields = read.Problems.Select(p => p.Field).ToArray();
        Assert.Contains("steps[a].on_success", fields);
        Assert.Contains("timeout", fields);
        Assert.All(read.Problems, p => Assert.True(p.Line > 0, p.ToString()));
    }

    [Theory]
    [InlineData("step 'one' uses worker 'ghost', which is not declared", "steps[one]")]
    [InlineData("step 'a', field 'on_success': names unknown step 'b'", "steps[a].on_success")]
    [InlineData("field 'timeout' must be a duration", "timeout")]
    [InlineData("invalid YAML: mapping values are not allowed here", "content")]
    public void Field_OfAMessage_IsThePathItNames(string message, string field)
        => Assert.Equal(field, ServerDefinitionReader.Field(message));
}
