using FsCheck.Xunit;

namespace Keel.Workflows.Tests;

/// <summary>Any definition written as YAML or JSON reads back equal, whatever its text holds.</summary>
public sealed class RoundTripPropertyTests
{
    private static readonly string[] Awkward =
    [
        "", "plain words", "null", "~", "true", "no", "123", "1e5", "0x1F", "-", "- item", "key: value", "#hash", "a # b",
        " leading space", "trailing space ", "tab\there", "line\nbreak", "ends with newline\n", "\"quoted\"", "it's",
        "back\\slash", "{brace}", "[bracket]", "*star", "&amp", "!bang", "%percent", "@at", "`tick`", "|pipe", ">folded",
        "café ☕", "日本語", "emoji 🚀", "\u2028separator", "<script>", "a > b + c", "control\u0001char",
    ];

    [Property(MaxTest = 300)]
    public bool Write_ThenParse_GivesAnEqualDefinition(int seed)
    {
        var random = new Random(seed);
        var definition = Generate(random);
        var workers = definition.Steps.Where(s => s.Kind == StepKind.Work).Select(s => s.WorkerType.Value).Distinct().Select(type => Declare(random, type)).ToArray();
        var expected = RoundTripTests.Fields(definition);
        var validationProblems = definition.Validate().Count;

        foreach (var format in new[] { WorkflowFormat.Yaml, WorkflowFormat.Json })
        {
            var text = WorkflowDocument.Write(definition, workers, format);
            var read = WorkflowDocument.Parse(text, format);
            if (read.File is null || read.Problems.Count != validationProblems || RoundTripTests.Fields(read.File.Definition) != expected
                || RoundTripTests.Declarations(read.File.Workers.Values) != RoundTripTests.Declarations(workers))
            {
                throw new InvalidOperationException($"seed {seed}, {format}:\n{text}\n{string.Join("\n", read.Problems)}\nexpected:\n{expected}\nread:\n{(read.File is null ? "nothing" : RoundTripTests.Fields(read.File.Definition))}");
            }
        }

        return true;
    }

    private static WorkflowDefinition Generate(Random random)
    {
        var count = random.Next(1, 8);
        var ids = Enumerable.Range(0, count).Select(i => $"s{i}_{Text(random, ids: true)}").ToArray();
        string Target() => random.Next(4) switch { 0 => WorkflowStep.Complete, 1 => WorkflowStep.Failed, _ => ids[random.Next(ids.Length)] };
        var definition = new WorkflowDefinition("w" + Text(random, ids: true), Text(random), Text(random))
        {
            MaxSteps = random.Next(3) == 0 ? random.Next(1, WorkflowLimits.MaxStepBudget + 1) : null,
        };
        foreach (var id in ids)
        {
            definition.AddStep(random.Next(5) == 0
                ? WorkflowStep.Approval(id, "ok " + Text(random), Target(), Target(), random.Next(2) == 0 ? string.Empty : Text(random))
                : new WorkflowStep
                {
                    StepId = id,
                    WorkerType = new WorkerType("w_" + Text(random, ids: true)),
                    Description = Text(random),
                    OnSuccess = Target(),
                    OnFailure = random.Next(2) == 0 ? null : Target(),
                    MaxRetries = random.Next(WorkflowLimits.MaxRetries + 1),
                    Timeout = random.Next(2) == 0 ? null : Ticks(random, WorkflowLimits.MaxTimeout),
                    RetryDelay = random.Next(2) == 0 ? null : Ticks(random, WorkflowLimits.MaxRetryDelay),
                    RetryBackoff = random.Next(2) == 0 ? 2.0 : 1 + random.NextDouble() * 9,
                    MaxRetryDelay = random.Next(2) == 0 ? TimeSpan.FromMinutes(5) : Ticks(random, WorkflowLimits.MaxRetryDelay),
                });
        }

        definition.InitialStep = ids[random.Next(ids.Length)];
        return definition;
    }

    private static WorkerDeclaration Declare(Random random, string type) => random.Next(2) == 0
        ? new WorkerDeclaration
        {
            WorkerType = type,
            Kind = WorkerKind.Command,
            Description = Text(random),
            Command = "run " + Text(random),
            Args = [.. Enumerable.Range(0, random.Next(3)).Select(_ => Text(random))],
            WorkingDir = random.Next(2) == 0 ? null : "dir " + Text(random),
            Env = Enumerable.Range(0, random.Next(3)).ToDictionary(i => $"VAR{i}", _ => Text(random)),
        }
        : new WorkerDeclaration
        {
            WorkerType = type,
            Kind = WorkerKind.Llm,
            Instructions = "do " + Text(random),
            Model = random.Next(2) == 0 ? null : "m" + Text(random, ids: true),
            OutputSchema = random.Next(2) == 0 ? null : KeelJson.Normalize(new Dictionary<string, object> { ["type"] = "object", ["description"] = Text(random), ["maxLength"] = random.Next(100) }),
        };

    private static TimeSpan Ticks(Random random, TimeSpan max) => random.Next(3) switch
    {
        0 => TimeSpan.FromTicks(random.NextInt64(1, max.Ticks + 1)),
        1 => TimeSpan.FromSeconds(random.Next(1, 3600)),
        _ => TimeSpan.FromMilliseconds(random.Next(1, 100_000)),
    };

    private static string Text(Random random, bool ids = false)
    {
        if (ids)
        {
            return new string(Enumerable.Range(0, random.Next(1, 6)).Select(_ => (char)('a' + random.Next(26))).ToArray());
        }

        return random.Next(3) == 0 ? Awkward[random.Next(Awkward.Length)] : Awkward[random.Next(Awkward.Length)] + Awkward[random.Next(Awkward.Length)];
    }
}
