using System.Globalization;
using System.Text;

namespace Keel.Workflows.Tests;

/// <summary>A long pipeline whose every step may loop back: the shape that made validation slow.</summary>
internal static class LargeWorkflow
{
    public static string Yaml(int steps)
    {
        var text = new StringBuilder("name: large\nsteps:\n");
        for (var i = 0; i < steps; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"  - id: s{i}\n    worker: coder\n    on_success: {(i + 1 < steps ? $"s{i + 1}" : "complete")}\n");
            if (i > 0)
            {
                text.Append(CultureInfo.InvariantCulture, $"    on_failure: s{i / 2}\n");
            }
        }

        return text.ToString();
    }
}
