using System.Diagnostics;

namespace Keel.Demo.Tests;

/// <summary>Runs examples/BuildWebsite as a real process and reads what it prints and writes.</summary>
public sealed class BuildWebsiteExampleTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "keel-example-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Fact]
    public async Task Example_RunsToCompletion_ShowingTheReviewLoopBack()
    {
        var site = Path.Combine(_folder, "site");
        Directory.CreateDirectory(_folder);

        var (exitCode, output) = await RunAsync(ExamplePath("BuildWebsite"), site);

        Assert.True(exitCode == 0, $"exit code {exitCode}, output:\n{output}");
        Assert.Contains("review_code [reviewer/Reviewer] attempt 1 Failed: ReviewFailedException: the page does not meet the spec: missing 1 of 4 section(s) of the spec: 'contact' (Contact)", output, StringComparison.Ordinal);
        Assert.Contains("review_code [reviewer/Reviewer] attempt 1: Failed in", output, StringComparison.Ordinal);
        Assert.Contains("Final State: Completed", output, StringComparison.Ordinal);
        Assert.Contains("Path: create_specs -> implement_code -> review_code -> implement_code -> review_code", output, StringComparison.Ordinal);
        Assert.Contains("review_code [reviewer/Reviewer] attempt 1: Failed -> implement_code", output, StringComparison.Ordinal);
        Assert.Contains("review_code [reviewer/Reviewer] attempt 1: Succeeded -> complete", output, StringComparison.Ordinal);

        var index = Path.Combine(site, "index.html");
        Assert.EndsWith($"Site written to {index}", output.TrimEnd(), StringComparison.Ordinal);
        var html = await File.ReadAllTextAsync(index);
        Assert.Empty(PageReviewer.Check(SpecWriter.Write("Build a portfolio website"), html));
    }

    internal static string ExamplePath(string name)
    {
        var testBin = AppContext.BaseDirectory; // tests/Keel.Demo.Tests/bin/<Configuration>/<tfm>/
        var tfm = new DirectoryInfo(testBin).Name;
        var configuration = new DirectoryInfo(testBin).Parent!.Name;
        var root = new DirectoryInfo(testBin);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Keel.sln")))
        {
            root = root.Parent;
        }

        Assert.NotNull(root);
        var dll = Path.Combine(root.FullName, "examples", name, "bin", configuration, tfm, name + ".dll");
        Assert.True(File.Exists(dll), $"the example is not built: {dll}");
        return dll;
    }

    internal static async Task<(int ExitCode, string Output)> RunAsync(string dll, params string[] arguments)
    {
        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(dll);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    private static string DotnetHost()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host))
        {
            return host;
        }

        return Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";
    }
}
