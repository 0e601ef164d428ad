using Microsoft.Data.Sqlite;

namespace Keel.Cli.Tests;

public sealed class StoreFailureTests : IDisposable
{
    private readonly TempFolder _folder = new();

    [Fact]
    public async Task Run_StoreFileDestroyedMidRun_ExitsWithTheStoreFailureCode_NamingTheFile()
    {
        var file = _folder.Write("mid.yaml", """
            name: mid
            goal: g
            workers:
              breaker:
                kind: command
                command: /bin/sh
                args: ["-c", "cat > /dev/null; for f in s.db s.db-wal s.db-shm; do [ -f $f ] && head -c $(wc -c < $f) /dev/urandom | dd of=$f conv=notrunc status=none; done; printf '{\"ok\":true}'"]
              quick:
                kind: command
                command: /bin/sh
                args: ["-c", "cat > /dev/null; printf '{\"ok\":true}'"]
            steps:
              - id: first
                worker: quick
                on_success: second
              - id: second
                worker: breaker
                on_success: third
              - id: third
                worker: quick
            """);

        var run = await KeelProcess.RunAsync(_folder.Path, "run", file, "--store", _folder.File("s.db"));

        Assert.True(run.ExitCode == 4, run.ToString());
        Assert.Contains($"the run store file '{_folder.File("s.db")}' is damaged", run.Error, StringComparison.Ordinal);
        var help = await KeelProcess.RunAsync(_folder.Path, "--help");
        Assert.Contains("4    the run store failed", help.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Runs_OneRunsPageDamaged_ListsTheReadableRuns_NamesTheUnreadableOne_AndSaysTheFileIsDamaged()
    {
        var store = _folder.File("s.db");
        var ids = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            // A goal of 1,500 characters: its run's origin row fills most of a page of the default size (2,048 bytes)
            // and stays on that page, so damaging the page damages that run alone.
            var run = await KeelProcess.RunAsync(_folder.Path, "run", Path.Combine(KeelProcess.Examples, "generic-pipeline.yaml"), "--store", store, "--goal", $"goal {i} " + new string((char)('a' + i), 1500));
            Assert.True(run.ExitCode == 0, run.ToString());
            ids.Add(RunCommandTests.RunIdIn(run.Out));
        }

        SqliteConnection.ClearAllPools();
        var bytes = File.ReadAllBytes(store);
        var at = IndexOf(bytes, System.Text.Encoding.UTF8.GetBytes("goal 2 ccc"));
        Assert.True(at > 0, "the goal of run 2 is in the main file (checkpointed when its process closed the store)");
        var pageSize = (bytes[16] << 8) | bytes[17]; // the file header's page size, big-endian
        var page = at - (at % pageSize);
        for (var i = 0; i < 8; i++)
        {
            bytes[page + i] ^= 0x5A;
        }

        File.WriteAllBytes(store, bytes);

        var runs = await KeelProcess.RunAsync(_folder.Path, "runs", "--store", store);
        var show = await KeelProcess.RunAsync(_folder.Path, "show", ids[2], "--store", store);
        var showIntact = await KeelProcess.RunAsync(_folder.Path, "show", ids[0], "--store", store);

        Assert.True(runs.ExitCode == 4, runs.ToString());
        Assert.Contains(ids[0], runs.Out, StringComparison.Ordinal);
        Assert.Contains(ids[1], runs.Out, StringComparison.Ordinal);
        Assert.Contains(ids[3], runs.Out, StringComparison.Ordinal);
        Assert.DoesNotContain(ids[2], runs.Out, StringComparison.Ordinal);
        Assert.Contains($"the run store file '{store}' is damaged", runs.Error, StringComparison.Ordinal);
        Assert.Contains($"unreadable: '{ids[2]}'", runs.Error, StringComparison.Ordinal);
        Assert.True(show.ExitCode == 4, show.ToString());
        Assert.Contains("is damaged", show.Error, StringComparison.Ordinal);
        Assert.True(showIntact.ExitCode == 0, showIntact.ToString());
    }

    [Fact]
    public async Task Resume_RunWhoseStoredDefinitionBytesChanged_SaysTheStoreIsDamaged_NotThatTheWorkflowIsInvalid()
    {
        var store = _folder.File("s.db");
        var run = await KeelProcess.RunAsync(_folder.Path, "run", Path.Combine(KeelProcess.Examples, "approval.yaml"), "--store", store);
        Assert.True(run.ExitCode == 3, run.ToString());
        var runId = RunCommandTests.RunIdIn(run.Out);
        using (var raw = new SqliteConnection($"Data Source={store};Pooling=False"))
        {
            raw.Open();
            using var tamper = raw.CreateCommand();
            tamper.CommandText = "UPDATE definitions SET definition_json = replace(definition_json, 'sign_off', 'sign_ofg');";
            Assert.Equal(1, tamper.ExecuteNonQuery());
        }

        var approve = await KeelProcess.RunAsync(_folder.Path, "approve", runId, "sign_off", "--store", store);
        var show = await KeelProcess.RunAsync(_folder.Path, "show", runId, "--store", store);

        Assert.True(approve.ExitCode == 4, approve.ToString());
        Assert.Contains($"the run store file '{store}' is damaged: the stored definition of run '{runId}'", approve.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("invalid", approve.Error, StringComparison.OrdinalIgnoreCase);
        Assert.True(show.ExitCode == 4, show.ToString());
    }

    [Fact]
    public async Task Plans_StoreFileThatIsNotADatabase_SaysItIsDamaged_AndExitsWithTheStoreFailureCode()
    {
        var path = _folder.File("garbage.db");
        await File.WriteAllBytesAsync(path, Enumerable.Range(0, 8192).Select(i => (byte)(i * 7 + 3)).ToArray());

        var plans = await KeelProcess.RunAsync(_folder.Path, "plans", "--store", path);

        Assert.True(plans.ExitCode == 4, plans.ToString());
        Assert.Contains($"the run store file '{path}' is damaged", plans.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Runs_NoStoreYet_SaysThereAreNoneAndExitsZero()
    {
        var runs = await KeelProcess.RunAsync(_folder.Path, "runs");

        Assert.True(runs.ExitCode == 0, runs.ToString());
        Assert.Contains("No runs: there is no run store at", runs.Out, StringComparison.Ordinal);
        Assert.False(File.Exists(_folder.File("keel.db")), "listing runs creates no store");
    }

    private static int IndexOf(byte[] haystack, byte[] needle)
    {
        for (var i = 0; i + needle.Length <= haystack.Length; i++)
        {
            if (haystack.AsSpan(i, needle.Length).SequenceEqual(needle))
            {
                return i;
            }
        }

        return -1;
    }

    public void Dispose() => _folder.Dispose();
}
