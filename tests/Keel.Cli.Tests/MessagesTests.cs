using Keel.Cli.Runs;

namespace Keel.Cli.Tests;

public sealed class MessagesTests : IDisposable
{
    private readonly TempFolder _folder = new();

    [Theory]
    [InlineData(500, "500 ms")]
    [InlineData(1500, "1.5 s")]
    [InlineData(120_000, "2 min")]
    [InlineData(125_000, "2 min 5 s")]
    [InlineData(5_400_000, "1 h 30 min")]
    public void Duration_ReadsAsPeopleWriteIt(double milliseconds, string expected)
        => Assert.Equal(expected, Format.Duration(TimeSpan.FromMilliseconds(milliseconds)));

    [Fact]
    public async Task Run_Progress_NamesTheVisitAsShowDoes_AndDurationsAreNeverTimeSpans()
    {
        var run = await KeelProcess.RunAsync(_folder.Path, "run", Path.Combine(KeelProcess.Examples, "build-website.yaml"), "--goal", "A website for a bakery");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Matches(@"implement_code\s+coder\s+attempt 1\s+succeeded", run.Out);
        Assert.Matches(@"implement_code\s+coder\s+attempt 1 \(visit 2\)\s+succeeded", run.Out);
        Assert.Matches(@"review_code\s+reviewer\s+attempt 1 \(visit 2\)\s+succeeded", run.Out);
        Assert.DoesNotMatch(@"\d\d:\d\d:\d\d\.\d{7}", run.Out + run.Error);
    }

    public void Dispose() => _folder.Dispose();
}
