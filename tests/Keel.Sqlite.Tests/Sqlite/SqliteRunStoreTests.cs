using System.Text.Json;
using Keel.Sqlite.Schema;
using Keel.Sqlite.Tests.Support;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Keel.Sqlite.Tests.Sqlite;

public sealed class SqliteRunStoreTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly TempDatabase _db = new();

    public void Dispose() => _db.Dispose();

    [Fact]
    public async Task Open_NewFile_CreatesTheSchemaAtTheCurrentVersionInWalMode()
    {
        using (var store = SqliteRunStore.Open(_db.Path))
        {
            await store.CreateRunAsync(Run("r1"), [], default);
        }

        using var raw = _db.OpenRaw();
        Assert.Equal(SqliteSchema.CurrentVersion, SqliteSchema.UserVersion(raw));
        Assert.Equal("wal", Scalar(raw, "PRAGMA journal_mode;"));
        Assert.Equal(1L, Scalar(raw, "SELECT count(*) FROM runs;"));
    }

    [Fact]
    public async Task Open_Default_IsSynchronousFull_AndNormalOnlyWhenAsked()
    {
        using (var store = SqliteRunStore.Open(_db.Path))
        {
            Assert.Equal(2L, await store.Writer.Enqueue(s => (long)s.Command("PRAGMA synchronous;").ExecuteScalar()!));
        }

        using var normal = new SqliteRunStore(new SqliteRunStoreOptions { Path = _db.Path, Synchronous = SqliteSynchronous.Normal });
        Assert.Equal(1L, await normal.Writer.Enqueue(s => (long)s.Command("PRAGMA synchronous;").ExecuteScalar()!));
    }

    [Fact]
    public async Task Open_NewFile_HasTheOptionsPageSize_AndAnExistingFileKeepsItsOwn()
    {
        using (var store = SqliteRunStore.Open(_db.Path))
        {
            await store.CreateRunAsync(Run("r1"), [], default);
        }

        using (var raw = _db.OpenRaw())
        {
            Assert.Equal(2048L, Scalar(raw, "PRAGMA page_size;"));
        }

        // Reopened asking for another size: the file keeps the one it was made with, and its runs.
        using (var reopened = new SqliteRunStore(new SqliteRunStoreOptions { Path = _db.Path, PageSize = 8192 }))
        {
            await reopened.CreateRunAsync(Run("r2"), [], default);
            Assert.NotNull(await reopened.GetRunAsync("r1", default));
        }

        using (var raw = _db.OpenRaw())
        {
            Assert.Equal(2048L, Scalar(raw, "PRAGMA page_size;"));
        }

        using var other = new TempDatabase();
        using (var large = new SqliteRunStore(new SqliteRunStoreOptions { Path = other.Path, PageSize = 8192 }))
        {
            await large.CreateRunAsync(Run("r3"), [], default);
        }

        using var otherRaw = other.OpenRaw();
        Assert.Equal(8192L, Scalar(otherRaw, "PRAGMA page_size;"));
    }

    [Theory]
    [InlineData(256)]
    [InlineData(3000)]
    [InlineData(131072)]
    public void Open_PageSizeNotAPowerOfTwoInRange_IsRefusedByName(int pageSize)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new SqliteRunStore(new SqliteRunStoreOptions { Path = _db.Path, PageSize = pageSize }));

        Assert.Contains("PageSize must be a power of two from 512 to 65536", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(_db.Path));
    }

    [Fact]
    public async Task Events_StoredWithTheCamelCaseNamesOfAnEarlierVersion_ReadWithEveryField()
    {
        using (var store = SqliteRunStore.Open(_db.Path))
        {
            await store.CreateRunAsync(Run("r1") with { ParentRunId = "p", ParentSequence = 2 }, [], default);
        }

        using (var raw = _db.OpenRaw())
        {
            Assert.Contains("\"run_id\":\"r1\"", (string)Scalar(raw, "SELECT event_body FROM history WHERE event_type IS NOT NULL;")!, StringComparison.Ordinal);
            Scalar(raw, "UPDATE history SET event_body = replace(replace(replace(replace(replace(event_body, '\"run_id\"', '\"runId\"'), '\"workflow_name\"', '\"workflowName\"'), '\"parent_run_id\"', '\"parentRunId\"'), '\"parent_sequence\"', '\"parentSequence\"'), '\"definition_hash\"', '\"definitionHash\"');");
            Assert.Contains("\"runId\":\"r1\"", (string)Scalar(raw, "SELECT event_body FROM history WHERE event_type IS NOT NULL;")!, StringComparison.Ordinal);
        }

        using var reopened = SqliteRunStore.Open(_db.Path);
        var created = Assert.IsType<RunCreated>(Assert.Single(await reopened.GetEventsAsync("r1", 0, 10, default)));

        Assert.Equal(("r1", 1L, "p", (int?)2), (created.RunId, created.Sequence, created.ParentRunId, created.ParentSequence));
        Assert.Equal(Run("r1").WorkflowName, created.WorkflowName);
    }

    [Fact]
    public async Task Open_VersionOneFile_IsMigratedKeepingItsRuns_AndBudgetsRoundTrip()
    {
        using (var raw = _db.OpenRaw())
        {
            Scalar(raw, SqliteSchema.CreateV1 + "PRAGMA user_version = 1;");
            Scalar(raw, "INSERT INTO definitions VALUES ('h', '{}');");
            Scalar(raw, "INSERT INTO run_origins VALUES ('old', 'goal', '{}');");
            Scalar(raw, "INSERT INTO runs (run_id, workflow_name, state, current_step, visit, attempt, steps_taken, data, definition_hash, created_at, updated_at, fence, history_count, size_bytes, input_tokens, output_tokens) VALUES ('old', 'w', 'running', 's', 1, 1, 1, '{}', 'h', 0, 0, 1, 0, 0, 0, 0);");
        }

        using var store = SqliteRunStore.Open(_db.Path);
        var old = await store.GetRunAsync("old", default);
        await store.CreateRunAsync(Run("budgeted") with { MaxTokens = 1500, MaxCost = 0.25m }, [], default);
        var budgeted = await store.GetRunAsync("budgeted", default);

        Assert.NotNull(old);
        Assert.Null(old.MaxTokens);
        Assert.Equal(1500, budgeted!.MaxTokens);
        Assert.Equal(0.25m, budgeted.MaxCost);
        using var check = _db.OpenRaw();
        Assert.Equal(SqliteSchema.CurrentVersion, SqliteSchema.UserVersion(check));
    }

    [Fact]
    public async Task Open_VersionTwoFile_IsMigratedKeepingItsRunsAndPositions()
    {
        using (var raw = _db.OpenRaw())
        {
            Scalar(raw, SqliteSchema.CreateV1 + "ALTER TABLE run_origins ADD COLUMN max_tokens INTEGER; ALTER TABLE run_origins ADD COLUMN max_cost TEXT; PRAGMA user_version = 2;");
            Scalar(raw, "INSERT INTO definitions VALUES ('h', '{}');");
            Scalar(raw, "INSERT INTO run_origins VALUES ('old', 'goal', '{}', 10, NULL);");
            Scalar(raw, """INSERT INTO runs (run_id, workflow_name, state, current_step, visit, attempt, steps_taken, data, definition_hash, created_at, updated_at, fence, lease_owner, history_count, size_bytes, input_tokens, output_tokens) VALUES ('old', 'w', 'running', 's', 1, 1, 1, '{"x":1}', 'h', 0, 0, 1, 'o', 1, 50, 7, 8);""");
            Scalar(raw, "INSERT INTO history (run_id, sequence, step_id, worker_type, worker_name, visit, attempt, outcome, timestamp, duration, next_step) VALUES ('old', 0, 's0', 'function', 'f', 1, 1, 'succeeded', 0, 0, 's');");
        }

        using var store = SqliteRunStore.Open(_db.Path);
        var old = await store.GetRunAsync("old", default);
        await store.CommitAsync(Checkpoint("old", Entry("old", 1, "code"), null) with { State = WorkflowState.Running }, default);
        var next = await store.GetRunAsync("old", default);

        Assert.Equal(("s", 1, 7L, 10L), (old!.CurrentStep, old.HistoryCount, old.InputTokens, old.MaxTokens));
        Assert.Equal(1, old.Data["x"].GetInt32());
        Assert.Equal((2, 1, 50L < next!.SizeBytes), (next.HistoryCount, next.Data["x"].GetInt32(), true));
        Assert.Equal(2, (await store.GetHistoryAsync("old", default)).Count);
        using var check = _db.OpenRaw();
        Assert.Equal(SqliteSchema.CurrentVersion, SqliteSchema.UserVersion(check));
    }

    [Fact]
    public async Task Open_VersionFourFile_IsRebuiltKeyedByRunKeyWithEventsBesideEntries_KeepingRunsOriginsHistoryEventsAndAnOrphanedOrigin()
    {
        // The event body of a created run, as the store writes it (taken from a file of the current version).
        string createdBody;
        using (var current = new TempDatabase())
        {
            using (var store = SqliteRunStore.Open(current.Path))
            {
                await store.CreateRunAsync(Run("old"), [], default);
            }

            using var raw = current.OpenRaw();
            createdBody = (string)Scalar(raw, "SELECT event_body FROM history WHERE event_type = 'run_created';")!;
        }

        const long OldKey = 7;
        var scale = SqliteSchema.EntriesPerRun;
        using (var raw = _db.OpenRaw())
        {
            Scalar(raw, SqliteSchema.CreateV1 + SqliteSchema.MigrateToV2 + SqliteSchema.MigrateToV3 + SqliteSchema.MigrateToV4 + "PRAGMA user_version = 4;");
            Scalar(raw, $"INSERT INTO definitions VALUES ('{new string('b', 64)}', '{{}}');");
            Scalar(raw, "INSERT INTO run_origins VALUES ('old', 'the goal', '{\"topic\":\"cats\"}', 1500, '0.25');");
            Scalar(raw, "INSERT INTO run_origins VALUES ('lost', 'orphaned goal', '{}', NULL, NULL);");
            Scalar(raw, $$"""
                INSERT INTO runs (run_key, run_id, workflow_name, state, current_step, visit, attempt, steps_taken, data, definition_hash, created_at, updated_at, fence, lease_owner, history_count, size_bytes, input_tokens, output_tokens, control)
                VALUES ({{OldKey}}, 'old', 'wf', 'running', 'code', 1, 1, 1, '{"topic":"cats"}', '{{new string('b', 64)}}', 0, 0, 1, 'me', 1, 50, 7, 8, 'pause');
                """);
            Scalar(raw, $"INSERT INTO history (entry_key, run_id, sequence, step_id, worker_type, worker_name, visit, attempt, outcome, output, timestamp, duration, next_step) VALUES ({(OldKey * scale) + 0}, 'old', 0, 'plan', 'product_manager', 'pm', 1, 1, 'succeeded', '\"spec\"', 0, 0, 'code');");
            using var insertEvent = raw.CreateCommand();
            insertEvent.CommandText = "INSERT INTO events VALUES ($key, 'run_created', $body);";
            insertEvent.Parameters.AddWithValue("$key", (OldKey * scale) + 1);
            insertEvent.Parameters.AddWithValue("$body", createdBody);
            insertEvent.ExecuteNonQuery();
        }

        using (var store = SqliteRunStore.Open(_db.Path))
        {
            var old = await store.GetRunAsync("old", default);
            await store.CreateRunAsync(Run("new"), [], default);
            await store.CommitAsync(Checkpoint("new", Entry("new", 0, "plan"), null) with { State = WorkflowState.Running }, default);

            Assert.Equal(("the goal", "cats", 1500L, 0.25m), (old!.Goal, old.InitialData["topic"].GetString(), old.MaxTokens, old.MaxCost));
            Assert.Equal(("code", 1, RunControl.Pause), (old.CurrentStep, old.HistoryCount, old.Control));
            Assert.Equal("spec", Assert.Single(await store.GetHistoryAsync("old", default)).Output.GetString());
            Assert.IsType<RunCreated>(Assert.Single(await store.GetEventsAsync("old", 0, 10, default)));
            Assert.IsType<RunCreated>(Assert.Single(await store.GetEventsAsync("new", 0, 10, default)));
            Assert.Equal("goal", (await store.GetRunAsync("new", default))!.Goal);
            Assert.Contains(await store.CheckIntegrityAsync(), problem => problem.Contains("'lost'", StringComparison.Ordinal));
        }

        using var check = _db.OpenRaw();
        Assert.Equal(SqliteSchema.CurrentVersion, SqliteSchema.UserVersion(check));
        Assert.Equal(OldKey + 1, Scalar(check, "SELECT run_key FROM runs WHERE run_id = 'new';"));
        Assert.Equal(OldKey + 1, Scalar(check, "SELECT run_key FROM run_origins WHERE run_id = 'new';"));

        // The old run's event moved after its entry, in the same table; the events table is gone.
        Assert.Equal("run_created", Scalar(check, $"SELECT event_type FROM history WHERE entry_key = {(OldKey * scale) + 1};"));
        Assert.Equal(0L, Scalar(check, "SELECT count(*) FROM sqlite_master WHERE name = 'events';"));

        // What a run's creation writes: the runs table with its run id and two listing indexes (by state, by workflow), the origins, the history;
        // the index by parent is partial, so a run with no parent has no entry in it.
        Assert.Equal(
            "run_origins:0 runs:3",
            Scalar(check, "SELECT group_concat(t.name || ':' || (SELECT count(*) FROM pragma_index_list(t.name) WHERE partial = 0), ' ') FROM (SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('runs', 'run_origins') ORDER BY name) t;"));
        Assert.Equal(1L, Scalar(check, "SELECT partial FROM pragma_index_list('runs') WHERE name = 'runs_by_parent';"));
    }

    [Fact]
    public async Task Open_VersionFiveFile_GainsTheIndexByParent_KeepingItsRuns()
    {
        using (var store = SqliteRunStore.Open(_db.Path))
        {
            await store.CreateRunAsync(Run("kept") with { ParentRunId = "p" }, [], default);
        }

        using (var raw = _db.OpenRaw())
        {
            Scalar(raw, "DROP INDEX runs_by_parent; PRAGMA user_version = 5;");
        }

        using var reopened = SqliteRunStore.Open(_db.Path);
        Assert.Equal("kept", Assert.Single(await reopened.ListRunsAsync(new RunQuery { ParentRunId = "p" }, default)).RunId);
        using var check = _db.OpenRaw();
        Assert.Equal(SqliteSchema.CurrentVersion, SqliteSchema.UserVersion(check));
        Assert.Equal(1L, Scalar(check, "SELECT count(*) FROM sqlite_master WHERE name = 'runs_by_parent';"));
    }

    [Fact]
    public void Open_VersionFourFileWithARunVersionFiveCannotHold_IsRefusedUnchanged()
    {
        var scale = SqliteSchema.EntriesPerRun;
        using (var raw = _db.OpenRaw())
        {
            Scalar(raw, SqliteSchema.CreateV1 + SqliteSchema.MigrateToV2 + SqliteSchema.MigrateToV3 + SqliteSchema.MigrateToV4 + "PRAGMA user_version = 4;");
            Scalar(raw, "INSERT INTO runs (run_key, run_id, workflow_name, state, current_step, visit, attempt, steps_taken, data, definition_hash, created_at, updated_at, fence, history_count, size_bytes, input_tokens, output_tokens) VALUES (3, 'long', 'wf', 'running', 's', 1, 1, 1, '{}', 'h', 0, 0, 1, 0, 0, 0, 0);");
            Scalar(raw, $"INSERT INTO history (entry_key, run_id, sequence, step_id, worker_type, worker_name, visit, attempt, outcome, timestamp, duration, next_step) VALUES ({(3 * scale) + scale - 1}, 'long', {scale - 1}, 's', 'function', 'f', 1, 1, 'succeeded', 0, 0, 's');");
            Scalar(raw, $"INSERT INTO events VALUES ({(3 * scale) + 1}, 'run_created', '{{}}');");
        }

        var error = Assert.ThrowsAny<KeelException>(() => SqliteRunStore.Open(_db.Path));

        Assert.Contains(_db.Path, error.Message, StringComparison.Ordinal);
        Assert.Contains($"run 'long' with {scale} history entries and 1 events", error.Message, StringComparison.Ordinal);
        using var check = _db.OpenRaw();
        Assert.Equal(4, SqliteSchema.UserVersion(check));
        Assert.Equal(1L, Scalar(check, "SELECT count(*) FROM events;"));
        Assert.Equal(1L, Scalar(check, "SELECT count(*) FROM history;"));
    }

    [Fact]
    public void Open_VersionTwoFileWithAnEntryVersionThreeCannotHold_IsRefusedUnchanged()
    {
        using (var raw = _db.OpenRaw())
        {
            Scalar(raw, SqliteSchema.CreateV1 + "ALTER TABLE run_origins ADD COLUMN max_tokens INTEGER; ALTER TABLE run_origins ADD COLUMN max_cost TEXT; PRAGMA user_version = 2;");
            Scalar(raw, "INSERT INTO history (run_id, sequence, step_id, worker_type, worker_name, visit, attempt, outcome, timestamp, duration, next_step) VALUES ('gone', 3, 's0', 'function', 'f', 1, 1, 'succeeded', 0, 0, 's');");
        }

        var error = Assert.ThrowsAny<KeelException>(() => SqliteRunStore.Open(_db.Path));

        Assert.Contains(_db.Path, error.Message, StringComparison.Ordinal);
        Assert.Contains("history entry 3 of run 'gone'", error.Message, StringComparison.Ordinal);
        using var check = _db.OpenRaw();
        Assert.Equal(2, SqliteSchema.UserVersion(check));
        Assert.Equal(1L, Scalar(check, "SELECT count(*) FROM history;"));
    }

    [Fact]
    public async Task Commit_LeaseWithMoreThanHalfItsTermLeft_IsKept_OtherwiseExtended()
    {
        using var store = SqliteRunStore.Open(_db.Path);
        await store.CreateRunAsync(Run("r1"), [], default);
        var running = Checkpoint("r1", Entry("r1", 0, "code"), null) with { State = WorkflowState.Running, UpdatedAt = T0 };

        // Lease ends at T0 + 1 min; asking for T0 + 90 s leaves more than half of the 90 s term: kept.
        await store.CommitAsync(running with { LeaseExpires = T0 + TimeSpan.FromSeconds(90) }, default);
        var kept = await store.GetRunAsync("r1", default);

        // Asking for T0 + 3 min: one minute left of a three-minute term is less than half: extended.
        await store.CommitAsync(running with { Entry = Entry("r1", 1, "code"), LeaseExpires = T0 + TimeSpan.FromMinutes(3) }, default);
        var extended = await store.GetRunAsync("r1", default);

        Assert.Equal(T0 + TimeSpan.FromMinutes(1), kept!.LeaseExpires);
        Assert.Equal(T0 + TimeSpan.FromMinutes(3), extended!.LeaseExpires);
        Assert.Equal((2, "complete"), (extended.HistoryCount, extended.CurrentStep));
    }

    [Fact]
    public async Task Commit_RememberedTails_LeaveTheSameRunsAndHistoriesAsReadingFirst()
    {
        using var general = new TempDatabase();
        using var fast = SqliteRunStore.Open(_db.Path);
        using var slow = new SqliteRunStore(new SqliteRunStoreOptions { Path = general.Path, RememberRunTails = false });
        var lease = T0 + TimeSpan.FromMinutes(1);
        var tokens = new TokenUsage(120, 30, "model-a", null);
        var priced = new TokenUsage(200, 50, "model-a", 0.0125m);
        var running = Checkpoint("r1", Entry("r1", 0, "plan"), null) with { State = WorkflowState.Running, CurrentStep = "code", LeaseExpires = lease };
        HistoryEntry At(int sequence, string step) => Entry("r1", sequence, step) with { NextStep = "code" };
        var bus = Data(("topic", "dogs"), ("n", 2));
        var steps = new Checkpoint[]
        {
            running,
            running with { Entry = At(1, "code") with { Data = bus }, Data = bus, Visit = 2 },
            running with { Entry = At(2, "code") with { Usage = tokens }, Attempt = 2 },
            running with { Entry = At(3, "code") with { Usage = priced }, StepsTaken = 3 },
            running with { Entry = At(4, "test"), Error = "last attempt failed" },
            running with { Entry = null, State = WorkflowState.WaitingForApproval, CurrentStep = "review" },
            running with { Entry = At(5, "review") with { Outcome = AttemptOutcome.Approved } },
            running with { Entry = At(6, "deploy") with { Usage = tokens } },
            running with { Entry = At(7, "deploy"), LeaseExpires = T0 + TimeSpan.FromMinutes(10) },
            running with { Entry = At(8, "deploy") with { Data = bus }, Data = Data(("topic", "birds")) },
            running with { Entry = At(9, "deploy") with { Data = Data(("topic", "fish")) }, Data = null },
            running with { Entry = At(10, "deploy"), UpdatedAt = T0 + TimeSpan.FromMinutes(2) },
            running with { Entry = At(11, "deploy") with { Usage = priced }, State = WorkflowState.Completed, CurrentStep = "complete" },
        };
        await fast.CreateRunAsync(Run("r1"), [], default);
        await slow.CreateRunAsync(Run("r1"), [], default);

        foreach (var (checkpoint, i) in steps.Select((c, i) => (c, i)))
        {
            await fast.CommitAsync(checkpoint, default);
            await slow.CommitAsync(checkpoint, default);
            Assert.Equal(Json(await slow.GetRunAsync("r1", default)), Json(await fast.GetRunAsync("r1", default)));
            if (i == 4)
            {
                // A checkpoint from a stale fence is refused by both paths alike.
                await Assert.ThrowsAsync<RunOwnedElsewhereException>(async () => await fast.CommitAsync(running with { Entry = At(5, "x"), Fence = 7 }, default));
                await Assert.ThrowsAsync<RunOwnedElsewhereException>(async () => await slow.CommitAsync(running with { Entry = At(5, "x"), Fence = 7 }, default));
            }
        }

        Assert.Equal(Json(await slow.GetHistoryAsync("r1", default)), Json(await fast.GetHistoryAsync("r1", default)));
        var run = await fast.GetRunAsync("r1", default);
        Assert.Equal((12, 640L, 160L, 0.025m, "birds"), (run!.HistoryCount, run.InputTokens, run.OutputTokens, run.Cost, run.Data["topic"].GetString()));
        Assert.Equal(0, slow.RememberedTailCommits);
        Assert.True(fast.RememberedTailCommits >= 4, $"{fast.RememberedTailCommits} commits used a remembered tail");
    }

    [Fact]
    public async Task Commit_AfterAnotherStoreTookTheRun_IsRefusedDespiteTheRememberedTail()
    {
        using var first = SqliteRunStore.Open(_db.Path);
        using var second = SqliteRunStore.Open(_db.Path);
        var running = Checkpoint("r1", Entry("r1", 0, "plan"), null) with { State = WorkflowState.Running, CurrentStep = "code" };
        await first.CreateRunAsync(Run("r1"), [], default);
        await first.CommitAsync(running, default);
        await first.CommitAsync(running with { Entry = Entry("r1", 1, "code") }, default);

        // Another connection (another process, say) takes the run over and commits an entry of its own.
        var fence = await second.TryAcquireLeaseAsync("r1", "other", TimeSpan.FromMinutes(1), null, default);
        await second.CommitAsync(running with { Entry = Entry("r1", 2, "code"), Fence = fence!.Value }, default);

        var stale = await Assert.ThrowsAsync<RunOwnedElsewhereException>(async () => await first.CommitAsync(running with { Entry = Entry("r1", 3, "code") }, default));
        Assert.Equal("other", stale.Owner);
        await first.CommitAsync(running with { Entry = Entry("r1", 3, "test"), Fence = fence.Value }, default);
        var run = await first.GetRunAsync("r1", default);
        var history = await first.GetHistoryAsync("r1", default);
        Assert.Equal((4, "code"), (run!.HistoryCount, history[2].StepId));
        Assert.Equal(["plan", "code", "code", "test"], history.Select(e => e.StepId));
        Assert.True(first.RememberedTailCommits >= 1);
    }

    private static string Json<T>(T value) => JsonSerializer.Serialize(value, KeelJson.Options);

    [Fact]
    public async Task Commit_AnEntryNotAfterTheNewest_IsRefusedNamingTheRunAndKeepsTheHistory()
    {
        using var store = SqliteRunStore.Open(_db.Path);
        await store.CreateRunAsync(Run("r1"), [], default);
        await store.CommitAsync(Checkpoint("r1", Entry("r1", 0, "plan"), null) with { State = WorkflowState.Running }, default);

        var error = await Assert.ThrowsAnyAsync<KeelException>(async () => await store.CommitAsync(Checkpoint("r1", Entry("r1", 0, "code"), null) with { State = WorkflowState.Running }, default));

        Assert.Contains("'r1'", error.Message, StringComparison.Ordinal);
        Assert.Contains("history entry 0", error.Message, StringComparison.Ordinal);
        Assert.Equal("plan", Assert.Single(await store.GetHistoryAsync("r1", default)).StepId);
        Assert.Equal(1, (await store.GetRunAsync("r1", default))!.HistoryCount);
    }

    [Fact]
    public async Task Write_AfterTheFileWasDeletedWhileOpen_FailsNamingTheFile_EveryTime_NotAcknowledgedAndLost()
    {
        using var store = SqliteRunStore.Open(_db.Path);
        foreach (var file in new[] { _db.Path, _db.Path + "-wal", _db.Path + "-shm" })
        {
            File.Delete(file);
        }

        var first = await Assert.ThrowsAsync<RunStoreException>(async () => await store.CreateRunAsync(Run("r1"), [], CancellationToken.None));
        var second = await Assert.ThrowsAsync<RunStoreException>(async () => await store.CreateRunAsync(Run("r2"), [], CancellationToken.None));

        Assert.Contains($"the run store file '{Path.GetFullPath(_db.Path)}' was deleted or moved while the store was open", first.Message, StringComparison.Ordinal);
        Assert.Equal(first.Message, second.Message);
    }

    [Fact]
    public async Task DeleteRuns_RemovesTheDeletedRunsHistoryRows_AndANewRunStartsEmpty()
    {
        using var store = SqliteRunStore.Open(_db.Path);
        await store.CreateRunAsync(Run("keep") with { CreatedAt = T0 + TimeSpan.FromDays(2), UpdatedAt = T0 + TimeSpan.FromDays(2) }, [], default);
        await store.CreateRunAsync(Run("old"), [], default);
        await store.CommitAsync(Checkpoint("keep", Entry("keep", 0, "code"), null) with { State = WorkflowState.Running, UpdatedAt = T0 + TimeSpan.FromDays(2) }, default);
        await store.CommitAsync(Checkpoint("old", Entry("old", 0, "code"), null) with { State = WorkflowState.Running }, default);
        await store.CommitAsync(Checkpoint("old", Entry("old", 1, "code"), null) with { State = WorkflowState.Running }, default);

        await store.DeleteRunsAsync(T0 + TimeSpan.FromDays(1), [WorkflowState.Running], default);
        await store.CreateRunAsync(Run("fresh"), [], default);

        using var raw = _db.OpenRaw();
        Assert.Equal(1L, Scalar(raw, "SELECT count(*) FROM history WHERE event_type IS NULL;"));
        Assert.Equal("keep", Scalar(raw, "SELECT run_id FROM history WHERE event_type IS NULL;"));

        // The deleted run's events went with it: what is left is the creation events of the kept run and the new one.
        Assert.Equal(2L, Scalar(raw, "SELECT count(*) FROM history WHERE event_type = 'run_created';"));
        Assert.Equal(2L, Scalar(raw, "SELECT count(*) FROM history WHERE event_type IS NOT NULL;"));
        Assert.Single(await store.GetEventsAsync("fresh", 0, 10, default));
        Assert.Empty(await store.GetHistoryAsync("fresh", default));
        Assert.Equal(0, (await store.GetRunAsync("fresh", default))!.HistoryCount);
    }

    [Fact]
    public void Open_NewerSchema_IsRefusedNamingTheFileAndBothVersions()
    {
        SqliteRunStore.Open(_db.Path).Dispose();
        using (var raw = _db.OpenRaw())
        {
            Scalar(raw, "PRAGMA user_version = 7;");
        }

        var error = Assert.ThrowsAny<KeelException>(() => SqliteRunStore.Open(_db.Path));

        Assert.Contains(_db.Path, error.Message, StringComparison.Ordinal);
        Assert.Contains("schema version 7", error.Message, StringComparison.Ordinal);
        Assert.Contains($"version {SqliteSchema.CurrentVersion}", error.Message, StringComparison.Ordinal);
        using var check = _db.OpenRaw();
        Assert.Equal(7, SqliteSchema.UserVersion(check));
    }

    [Fact]
    public void Open_FileThatIsNotADatabase_IsRefusedNamingTheFile()
    {
        File.WriteAllText(_db.Path, "this is a text file, long enough to have a header that is not SQLite's at all...........");

        var error = Assert.Throws<RunStoreDamagedException>(() => SqliteRunStore.Open(_db.Path));

        Assert.Contains(_db.Path, error.Message, StringComparison.Ordinal);
        Assert.Contains("not a SQLite database", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_InADirectoryThatDoesNotExist_IsRefusedNamingTheFile()
    {
        var path = System.IO.Path.Combine(_db.Directory, "missing", "keel.db");

        var error = Assert.Throws<RunStoreException>(() => SqliteRunStore.Open(path));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("cannot be opened", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Read_CorruptFile_ThrowsKeelExceptionNamingTheFile()
    {
        using (var store = SqliteRunStore.Open(_db.Path))
        {
            for (var i = 0; i < 40; i++)
            {
                await store.CreateRunAsync(Run("r" + i) with { Goal = new string('g', 2000) }, [], default);
            }
        }

        SqliteConnection.ClearAllPools();
        using (var raw = _db.OpenRaw())
        {
            Scalar(raw, "PRAGMA wal_checkpoint(TRUNCATE);");
        }

        SqliteConnection.ClearAllPools();
        var bytes = File.ReadAllBytes(_db.Path);
        var pageSize = (bytes[16] << 8) | bytes[17]; // the file header's page size, big-endian: every page after the first
        for (var i = pageSize; i < bytes.Length; i++)
        {
            bytes[i] = 0x5A;
        }

        File.WriteAllBytes(_db.Path, bytes);

        var error = await Assert.ThrowsAsync<RunStoreDamagedException>(async () =>
        {
            using var store = SqliteRunStore.Open(_db.Path);
            await store.ListRunsAsync(new RunQuery(), default);
        });

        Assert.Contains(_db.Path, error.Message, StringComparison.Ordinal);
        Assert.Contains("corrupt", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Write_WhileAnotherProcessHoldsTheLock_ThrowsKeelExceptionNamingTheFile()
    {
        using var store = new SqliteRunStore(new SqliteRunStoreOptions { Path = _db.Path, BusyTimeout = TimeSpan.FromMilliseconds(100) });
        using var raw = _db.OpenRaw();
        Scalar(raw, "BEGIN EXCLUSIVE; INSERT INTO runs SELECT * FROM runs WHERE 0;");

        var error = await Assert.ThrowsAsync<RunStoreException>(async () => await store.CreateRunAsync(Run("r1"), [], default));

        Assert.Contains(_db.Path, error.Message, StringComparison.Ordinal);
        Assert.Contains("locked", error.Message, StringComparison.Ordinal);
        Scalar(raw, "ROLLBACK;");
        await store.CreateRunAsync(Run("r1"), [], default);
        Assert.NotNull(await store.GetRunAsync("r1", default));
    }

    [Fact]
    public async Task Commit_DiskFull_ThrowsKeelExceptionAndKeepsNothingOfTheCheckpoint()
    {
        using var store = SqliteRunStore.Open(_db.Path);
        await store.CreateRunAsync(Run("r1"), [], default);
        var pages = await store.Writer.Enqueue(s => (long)s.Command("PRAGMA page_count;").ExecuteScalar()!);
        await store.Writer.Enqueue(s => s.Command($"PRAGMA max_page_count = {pages + 1};").ExecuteScalar());
        var huge = new Dictionary<string, JsonElement> { ["blob"] = KeelJson.Normalize(new string('x', 200_000)) };

        var error = await Assert.ThrowsAsync<RunStoreException>(async () => await store.CommitAsync(Checkpoint("r1", Entry("r1", 0, "code"), huge), default));

        Assert.Contains(_db.Path, error.Message, StringComparison.Ordinal);
        Assert.Contains("full", error.Message, StringComparison.Ordinal);
        await AssertUntouched(store, "r1");
    }

    [Fact]
    public async Task Commit_FailingMidway_KeepsNothingOfTheCheckpoint()
    {
        using var store = SqliteRunStore.Open(_db.Path);
        await store.CreateRunAsync(Run("r1"), [], default);
        FailHistoryInsertsFor("boom");

        var error = await Assert.ThrowsAsync<RunStoreException>(async () => await store.CommitAsync(Checkpoint("r1", Entry("r1", 0, "boom"), Data(("x", 1))), default));

        Assert.Contains("injected failure", error.Message, StringComparison.Ordinal);
        await AssertUntouched(store, "r1");
        await store.CommitAsync(Checkpoint("r1", Entry("r1", 0, "code"), Data(("x", 1))), default);
        Assert.Single(await store.GetHistoryAsync("r1", default));
    }

    [Fact]
    public async Task GroupCommit_OneTransactionForQueuedCheckpoints_AFailureUndoesOnlyItsOwn()
    {
        using var store = SqliteRunStore.Open(_db.Path);
        foreach (var id in new[] { "a", "b", "c", "d" })
        {
            await store.CreateRunAsync(Run(id), [], default);
        }

        FailHistoryInsertsFor("boom");
        var before = store.Writer.Transactions;
        Task a, b, c, d;
        using (store.Writer.Pause())
        {
            a = store.CommitAsync(Checkpoint("a", Entry("a", 0, "code"), Data(("x", "a"))), default).AsTask();
            b = store.CommitAsync(Checkpoint("b", Entry("b", 0, "boom"), Data(("x", "b"))), default).AsTask();
            c = store.CommitAsync(Checkpoint("c", Entry("c", 0, "code"), Data(("x", "c"))) with { Fence = 9 }, default).AsTask();
            d = store.CommitAsync(Checkpoint("d", Entry("d", 0, "code"), Data(("x", "d"))), default).AsTask();
            Assert.False(a.IsCompleted || b.IsCompleted || c.IsCompleted || d.IsCompleted);
        }

        await a;
        await d;
        await Assert.ThrowsAsync<RunStoreException>(() => b);
        await Assert.ThrowsAsync<RunOwnedElsewhereException>(() => c);
        Assert.Equal(before + 1, store.Writer.Transactions);
        using var reader = SqliteRunStore.Open(_db.Path);
        Assert.Single(await reader.GetHistoryAsync("a", default));
        Assert.Single(await reader.GetHistoryAsync("d", default));
        Assert.Equal("\"d\"", (await reader.GetRunAsync("d", default))!.Data["x"].GetRawText());
        await AssertUntouched(reader, "b");
        await AssertUntouched(reader, "c");
    }

    [Fact]
    public async Task GroupCommit_FiftyQueuedCheckpoints_CommitInOneTransaction()
    {
        using var store = SqliteRunStore.Open(_db.Path);
        var ids = Enumerable.Range(0, 50).Select(i => "r" + i).ToArray();
        foreach (var id in ids)
        {
            await store.CreateRunAsync(Run(id), [], default);
        }

        var before = store.Writer.Transactions;
        Task[] pending;
        using (store.Writer.Pause())
        {
            pending = ids.Select(id => store.CommitAsync(Checkpoint(id, Entry(id, 0, "code"), null), default).AsTask()).ToArray();
        }

        await Task.WhenAll(pending);

        Assert.Equal(before + 1, store.Writer.Transactions);
        using var reader = SqliteRunStore.Open(_db.Path);
        foreach (var id in ids)
        {
            Assert.Single(await reader.GetHistoryAsync(id, default));
            Assert.Equal(WorkflowState.Completed, (await reader.GetRunAsync(id, default))!.State);
        }
    }

    [Fact]
    public async Task Commit_FromManyThreadsAtOnce_EveryCheckpointCommittedExactlyOnce()
    {
        using var store = SqliteRunStore.Open(_db.Path);
        var ids = Enumerable.Range(0, 40).Select(i => "t" + i).ToArray();
        foreach (var id in ids)
        {
            await store.CreateRunAsync(Run(id), [], default);
        }

        await Task.WhenAll(ids.Select(id => Task.Run(async () =>
        {
            for (var sequence = 0; sequence < 10; sequence++)
            {
                await store.CommitAsync(Checkpoint(id, Entry(id, sequence, "s" + sequence), Data(("at", sequence))) with { State = WorkflowState.Running }, default);
            }
        })));

        using var reader = SqliteRunStore.Open(_db.Path);
        foreach (var id in ids)
        {
            var history = await reader.GetHistoryAsync(id, default);
            Assert.Equal(Enumerable.Range(0, 10).Select(i => "s" + i), history.Select(h => h.StepId));
            var run = await reader.GetRunAsync(id, default);
            Assert.Equal(10, run!.HistoryCount);
            Assert.Equal("9", run.Data["at"].GetRawText());
        }
    }

    [Fact]
    public void Options_WithoutPathOrConnectionString_AreRefused()
    {
        var error = Assert.Throws<ArgumentException>(() => new SqliteRunStore(new SqliteRunStoreOptions()));
        Assert.Contains("Path", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Options_ConnectionString_IsUsed()
    {
        using (var store = new SqliteRunStore(new SqliteRunStoreOptions { ConnectionString = $"Data Source={_db.Path}" }))
        {
            Assert.Equal(_db.Path, store.DataSource);
            await store.CreateRunAsync(Run("r1"), [], default);
        }

        using var again = SqliteRunStore.Open(_db.Path);
        Assert.NotNull(await again.GetRunAsync("r1", default));
    }

    [Fact]
    public void UseSqlite_OnOptionsAndInServices_UsesTheSqliteStore()
    {
        var options = new OrchestratorOptions().UseSqlite(_db.Path);
        var store = Assert.IsType<SqliteRunStore>(options.RunStore);
        Assert.Equal(_db.Path, store.DataSource);
        store.Dispose();

        using var services = new ServiceCollection().AddKeel(k => k.UseSqlite(_db.Path, o => o.Synchronous = SqliteSynchronous.Normal)).BuildServiceProvider();
        var orchestrator = services.GetRequiredService<Orchestrator>();
        Assert.Equal(_db.Path, Assert.IsType<SqliteRunStore>(orchestrator.RunStore).DataSource);
    }

    private void FailHistoryInsertsFor(string step)
    {
        using var raw = _db.OpenRaw();
        Scalar(raw, $"CREATE TRIGGER fail_midway BEFORE INSERT ON history WHEN NEW.step_id = '{step}' BEGIN SELECT RAISE(ABORT, 'injected failure'); END;");
    }

    private static async Task AssertUntouched(SqliteRunStore store, string runId)
    {
        var run = await store.GetRunAsync(runId, default);
        Assert.NotNull(run);
        Assert.Equal("plan", run.CurrentStep);
        Assert.Equal(0, run.HistoryCount);
        Assert.Equal(T0, run.UpdatedAt);
        Assert.Equal(["topic"], run.Data.Keys);
        Assert.Empty(await store.GetHistoryAsync(runId, default));
    }

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private static Dictionary<string, JsonElement> Data(params (string Key, object? Value)[] pairs)
        => pairs.ToDictionary(p => p.Key, p => KeelJson.Normalize(p.Value), StringComparer.Ordinal);

    private static RunRecord Run(string id) => new()
    {
        RunId = id,
        WorkflowName = "wf",
        Goal = "goal",
        State = WorkflowState.Running,
        CurrentStep = "plan",
        Data = Data(("topic", "cats")),
        InitialData = Data(("topic", "cats")),
        DefinitionJson = "{}",
        DefinitionHash = new string('b', 64),
        CreatedAt = T0,
        UpdatedAt = T0,
        LeaseOwner = "me",
        LeaseExpires = T0 + TimeSpan.FromMinutes(1),
        Fence = 1,
    };

    private static HistoryEntry Entry(string runId, int sequence, string step) => new()
    {
        RunId = runId,
        Sequence = sequence,
        StepId = step,
        WorkerType = WorkerType.Coder,
        WorkerName = "Coder",
        Visit = 1,
        Attempt = 1,
        Outcome = AttemptOutcome.Succeeded,
        Output = KeelJson.Normalize("done"),
        Timestamp = T0,
        Duration = TimeSpan.FromMilliseconds(5),
        NextStep = "complete",
    };

    private static Checkpoint Checkpoint(string runId, HistoryEntry entry, IReadOnlyDictionary<string, JsonElement>? data) => new()
    {
        RunId = runId,
        Fence = 1,
        Entry = entry,
        Data = data,
        State = WorkflowState.Completed,
        CurrentStep = "complete",
        Visit = 1,
        Attempt = 1,
        StepsTaken = 2,
        UpdatedAt = T0 + TimeSpan.FromMinutes(1),
    };
}
