using System.Text.Json;

namespace Keel.Cli.Tests;

/// <summary>Text a user types is taken as it is: never a response file, never escaped needlessly in JSON.</summary>
public sealed class UserTextTests : IDisposable
{
    private readonly TempFolder _folder = new();

    [Fact]
    public async Task GoalAndComment_StartingWithAt_AreText_AndJsonKeepsThemUnescaped()
    {
        var approval = Path.Combine(KeelProcess.Examples, "approval.yaml");
        File.WriteAllText(Path.Combine(_folder.Path, "release-notes"), "--help\n");

        var run = await KeelProcess.RunAsync(_folder.Path, "run", approval, "--goal", "@release-notes");
        Assert.True(run.ExitCode == 3, run.ToString());
        var runId = RunCommandTests.RunIdIn(run.Out);

        var reject = await KeelProcess.RunAsync(_folder.Path, "reject", runId, "sign_off", "--comment", "@bob it's > 2 + 2");
        Assert.True(reject.ExitCode != 2, reject.ToString());

        var show = await KeelProcess.RunAsync(_folder.Path, "show", runId, "--json");
        Assert.True(show.ExitCode == 0, show.ToString());
        Assert.Contains("it's > 2 + 2", show.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("\\u0027", show.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("\\u003E", show.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("\\u002B", show.Out, StringComparison.Ordinal);
        using var document = JsonDocument.Parse(show.Out);
        Assert.Equal("@release-notes", document.RootElement.GetProperty("goal").GetString());
    }

    public void Dispose() => _folder.Dispose();
}
