namespace Keel.Cli.Tests;

public sealed class ConcurrentStoreTests : IDisposable
{
    private readonly TempFolder _folder = new();

    [Fact]
    public async Task Run_FourProcessesCreatingTheSameNewStoreAtOnce_AllComplete()
    {
        var file = _folder.Write("one.yaml", """
            name: one
            goal: g
            workers:
              echo:
                kind: command
                command: /bin/sh
                args: ["-c", "cat > /dev/null; printf '{\"ok\":true}'"]
            steps:
              - id: only
                worker: echo
            """);

        for (var round = 0; round < 2; round++)
        {
            var store = _folder.File($"new-{round}.db");
            var runs = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => KeelProcess.RunAsync(_folder.Path, "run", file, "--store", store)));

            foreach (var run in runs)
            {
                Assert.True(run.ExitCode == 0, run.ToString());
            }

            var listed = await KeelProcess.RunAsync(_folder.Path, "runs", "--store", store);
            Assert.Equal(4, listed.Out.Split('\n').Count(l => l.Contains(" one ", StringComparison.Ordinal)));
        }
    }

    public void Dispose() => _folder.Dispose();
}
