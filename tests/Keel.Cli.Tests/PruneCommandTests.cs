namespace Keel.Cli.Tests;

public sealed class PruneCommandTests : IDisposable
{
    private readonly TempFolder _folder = new();

    [Fact]
    public async Task Prune_OlderThanZeroMinutes_DeletesEveryRunAndShowsItsSize()
    {
        var run = await KeelProcess.RunAsync(_folder.Path, "run", Path.Combine(KeelProcess.Examples, "build-website.yaml"), "--goal", "A website for a bakery");
        Assert.True(run.ExitCode == 0, run.ToString());

        var listed = await KeelProcess.RunAsync(_folder.Path, "runs");
        Assert.Matches(@"\d+(\.\d)? (B|KB)", listed.Out);

        var keep = await KeelProcess.RunAsync(_folder.Path, "prune", "--older-than", "30d");
        Assert.True(keep.ExitCode == 0, keep.ToString());
        Assert.Contains("No runs last updated before", keep.Out, StringComparison.Ordinal);

        var prune = await KeelProcess.RunAsync(_folder.Path, "prune", "--older-than", "0m");
        Assert.True(prune.ExitCode == 0, prune.ToString());
        Assert.Contains("Deleted 1 run(s)", prune.Out, StringComparison.Ordinal);
        Assert.Contains("build_website", prune.Out, StringComparison.Ordinal);

        var after = await KeelProcess.RunAsync(_folder.Path, "runs");
        Assert.Contains("No runs", after.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Prune_BadAge_ExitsTwoAndSaysWhatIsExpected()
    {
        var run = await KeelProcess.RunAsync(_folder.Path, "run", Path.Combine(KeelProcess.Examples, "build-website.yaml"), "--goal", "x");
        Assert.True(run.ExitCode == 0, run.ToString());

        var prune = await KeelProcess.RunAsync(_folder.Path, "prune", "--older-than", "soon");

        Assert.Equal(2, prune.ExitCode);
        Assert.Contains("expected a whole number followed by d, h or m", prune.Error, StringComparison.Ordinal);
    }

    public void Dispose() => _folder.Dispose();
}
