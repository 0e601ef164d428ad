using Microsoft.Extensions.AI;

namespace Keel.AI;

/// <summary>Turns a provider's usage into Keel's per-attempt usage, priced when a table is given.</summary>
internal static class UsageReport
{
    public static void Report(WorkflowContext context, UsageDetails? usage, string? model, PriceTable? prices)
    {
        if (usage is null || (usage.InputTokenCount is null && usage.OutputTokenCount is null))
        {
            return;
        }

        var input = usage.InputTokenCount ?? 0;
        var output = usage.OutputTokenCount ?? 0;
        context.ReportUsage(new TokenUsage(input, output, model, prices?.Cost(model, input, output)));
    }
}
