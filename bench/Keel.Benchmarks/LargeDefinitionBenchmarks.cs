using System.Globalization;
using System.Text;
using BenchmarkDotNet.Attributes;

namespace Keel.Benchmarks;

/// <summary>
/// Reading and validating a large workflow file: steps in a line, each looping back to an earlier step
/// on failure (the shape whose validation was once cubic). Compare the two sizes: near-linear growth
/// means about 10 times the time for 10 times the steps.
/// </summary>
[MemoryDiagnoser]
public class LargeDefinitionBenchmarks
{
    private string _yaml = string.Empty;
    private WorkflowDefinition _definition = null!;

    [Params(1_000, 10_000)]
    public int Steps { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var text = new StringBuilder("name: large\nsteps:\n");
        for (var i = 0; i < Steps; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"  - id: s{i}\n    worker: coder\n    on_success: {(i + 1 < Steps ? $"s{i + 1}" : "complete")}\n");
            if (i > 0)
            {
                text.Append(CultureInfo.InvariantCulture, $"    on_failure: s{i / 2}\n");
            }
        }

        _yaml = text.ToString();
        var read = WorkflowDocument.Parse(_yaml, WorkflowFormat.Yaml, "large.yaml");
        if (!read.IsValid)
        {
            throw new InvalidOperationException("the large workflow is not valid: " + string.Join("; ", read.Problems.Take(3)));
        }

        _definition = read.File!.Definition;
    }

    [Benchmark(Description = "validate a definition")]
    public int Validate() => _definition.Validate().Count;

    [Benchmark(Description = "read and validate a YAML file")]
    public int ReadFile() => WorkflowDocument.Parse(_yaml, WorkflowFormat.Yaml, "large.yaml").Problems.Count;
}
