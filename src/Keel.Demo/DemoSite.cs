namespace Keel.Demo;

/// <summary>Writes the page a build-website run produced to disk.</summary>
public static class DemoSite
{
    /// <summary>The last page the coder produced in <paramref name="result"/>, or null when there is none.</summary>
    public static SitePage? FindPage(WorkflowResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        for (var i = result.History.Count - 1; i >= 0; i--)
        {
            var entry = result.History[i];
            if (entry.WorkerType == WorkerType.Coder && entry.Outcome == AttemptOutcome.Succeeded)
            {
                return DemoJson.Read(entry.Output, DemoJson.SitePage);
            }
        }

        return null;
    }

    /// <summary>
    /// Writes the last page the coder produced to <c>index.html</c> in <paramref name="folder"/> (created
    /// when missing) and returns the file's full path.
    /// </summary>
    public static async Task<string> WriteAsync(WorkflowResult result, string folder, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        var page = FindPage(result)
            ?? throw new KeelException($"Run '{result.RunId}' of workflow '{result.WorkflowName}' produced no page: no coder attempt succeeded.");

        Directory.CreateDirectory(folder);
        var path = Path.GetFullPath(Path.Combine(folder, "index.html"));
        await File.WriteAllTextAsync(path, page.Html, cancellationToken).ConfigureAwait(false);
        return path;
    }
}
