using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace Keel.Postgres.Benchmarks;

/// <summary>
/// The cluster figures, measured in one run against one server: the raw one-row commit rate (one INSERT per
/// transaction, one connection), attempts per second with 1, 2 and 4 worker processes draining the same
/// queue (each worker warmed up first on runs of its own), and the time from a worker's death (SIGKILL) to
/// another worker holding all its runs. Worker
/// processes are this program started again as <c>worker</c> (<see cref="BenchWorker"/>).
/// <c>dotnet run -c Release --project bench/Keel.Postgres.Benchmarks -- cluster [runs] [steps] [call ms]</c>
/// </summary>
internal static class ClusterBenchmark
{
    private const int Capacity = 16;
    private static readonly TimeSpan TakeoverLease = TimeSpan.FromSeconds(5);

    public static async Task<int> RunAsync(string[] args)
    {
        // 3,000 runs: a drain of several seconds. A drain of 400 runs lasts about 1.5 s, in which the worker's
        // runtime is still recompiling its hot methods (tiered compilation took about an eighth of the CPU in a
        // profile), so it measured the start of a worker more than a worker at work.
        var runs = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3000;
        var steps = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 5;
        // Optional: each worker call takes this long (a stand-in for a model call), so the workers wait rather
        // than compute and the drain shows what the store lets a cluster do when the cores are not the limit.
        var callMs = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 0;
        var mode = callMs > 0 ? "call:" + callMs.ToString(CultureInfo.InvariantCulture) : "fast";
        using var server = new BenchServer();
        var calls = callMs > 0 ? $"each worker call takes {callMs} ms" : "workers return at once";
        Console.WriteLine($"PostgreSQL cluster benchmark: {runs} runs of {steps} steps ({calls}), capacity {Capacity} per process, {Environment.ProcessorCount} cores");

        // The disk's flush latency drifts (on a small virtual machine by two times within minutes), so the floor is
        // measured right before and right after each drain, and the drain is compared with the mean of the two.
        var commits = runs * steps;
        await using var raw = await RawCommits.CreateAsync(server.ConnectionString);
        double? one = null;
        foreach (var processes in new[] { 1, 2, 4 })
        {
            var before = await raw.RateAsync(commits);
            var rate = await DrainAsync(server.ConnectionString, processes, runs, steps, mode);
            var after = await raw.RateAsync(commits);
            var floor = (before + after) / 2;
            one ??= rate;
            Console.WriteLine($"| {processes} worker process(es) | {rate:N0} attempts/s | {1000 / rate:N3} ms per attempt | {rate / one:N2} x 1 worker | raw one-row commit {before:N0} before, {after:N0} after: {1000 / floor:N3} ms per commit | {floor / rate:N2} x raw commit time |");
        }

        var takeover = await TakeoverAsync(server.ConnectionString, steps);
        Console.WriteLine($"| takeover after SIGKILL (lease {TakeoverLease.TotalSeconds:0} s, heartbeat {TakeoverLease.TotalSeconds / 3:0.##} s) | {takeover.TotalSeconds:N2} s | goal at most {TakeoverLease.TotalSeconds * 4 / 3:N2} s |");
        return 0;
    }

    /// <summary>The floor: one-row inserts, one transaction each, on one connection, in a table of their own.</summary>
    private sealed class RawCommits : IAsyncDisposable
    {
        private readonly NpgsqlDataSource _source;
        private readonly NpgsqlConnection _connection;
        private readonly NpgsqlCommand _insert;
        private readonly NpgsqlParameter<long> _id = new();
        private long _next;

        private RawCommits(NpgsqlDataSource source, NpgsqlConnection connection)
        {
            _source = source;
            _connection = connection;
            _insert = new NpgsqlCommand("INSERT INTO bench_cluster_rows (id, body) VALUES ($1, 'ok');", connection);
            _insert.Parameters.Add(_id);
        }

        public static async Task<RawCommits> CreateAsync(string connectionString)
        {
            var source = NpgsqlDataSource.Create(connectionString);
            await using (var create = source.CreateCommand("DROP TABLE IF EXISTS bench_cluster_rows; CREATE TABLE bench_cluster_rows (id bigint PRIMARY KEY, body text NOT NULL);"))
            {
                await create.ExecuteNonQueryAsync();
            }

            var raw = new RawCommits(source, await source.OpenConnectionAsync());
            await raw.RateAsync(200);
            return raw;
        }

        /// <summary>Commits <paramref name="count"/> rows and returns the commits per second.</summary>
        public async Task<double> RateAsync(int count)
        {
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < count; i++)
            {
                _id.TypedValue = _next++;
                await _insert.ExecuteNonQueryAsync();
            }

            return count / clock.Elapsed.TotalSeconds;
        }

        public async ValueTask DisposeAsync()
        {
            await _insert.DisposeAsync();
            await _connection.DisposeAsync();
            await _source.DisposeAsync();
        }
    }

    /// <summary>Queues the runs, starts the processes, lets them go at once, and times them until every run completed.</summary>
    private static async Task<double> DrainAsync(string connectionString, int processes, int runs, int steps, string mode)
    {
        var schema = "bench_" + Guid.NewGuid().ToString("N")[..8];
        await using var store = new PostgresRunStore(new PostgresRunStoreOptions { ConnectionString = connectionString, Schema = schema });
        var starter = new Orchestrator(new OrchestratorOptions { RunStore = store });
        BenchWorker.Register(starter, steps, "fast");
        for (var i = 0; i < runs; i++)
        {
            await starter.StartAsync(BenchWorker.Workflow, "g");
        }

        var workers = Enumerable.Range(0, processes).Select(i => Worker.Start(connectionString, schema, steps, mode, $"bench-{i}", TimeSpan.FromSeconds(30))).ToList();
        try
        {
            await Task.WhenAll(workers.Select(w => w.Ready));
            var clock = Stopwatch.StartNew();
            foreach (var worker in workers)
            {
                worker.Go();
            }

            // The drain is watched through the unfinished runs alone (the partial index the workers claim from),
            // not by counting every run by state: that scan, every 20 ms, took server CPU from the workers.
            await using var source = NpgsqlDataSource.Create(connectionString);
            await using var unfinished = source.CreateCommand($"SELECT EXISTS (SELECT 1 FROM \"{schema}\".runs WHERE state IN ('pending', 'running'));");
            while ((bool)(await unfinished.ExecuteScalarAsync())!)
            {
                await Task.Delay(20);
            }

            var rate = runs * steps / clock.Elapsed.TotalSeconds;
            if ((await store.CountRunsAsync(default)).GetValueOrDefault(WorkflowState.Completed) != runs)
            {
                throw new InvalidOperationException($"the drain ended with runs not completed: {string.Join(", ", (await store.CountRunsAsync(default)).Select(p => $"{p.Key} {p.Value}"))}");
            }

            return rate;
        }
        finally
        {
            workers.ForEach(w => w.Dispose());
        }
    }

    /// <summary>One process drives runs whose workers never return; another waits idle; the first is killed.</summary>
    private static async Task<TimeSpan> TakeoverAsync(string connectionString, int steps)
    {
        var schema = "bench_" + Guid.NewGuid().ToString("N")[..8];
        await using var store = new PostgresRunStore(new PostgresRunStoreOptions { ConnectionString = connectionString, Schema = schema });
        var starter = new Orchestrator(new OrchestratorOptions { RunStore = store });
        BenchWorker.Register(starter, steps, "fast");
        var ids = new List<string>();
        for (var i = 0; i < 8; i++)
        {
            ids.Add((await starter.StartAsync(BenchWorker.Workflow, "g")).RunId);
        }

        // Owner ids that do not name this host's processes: the takeover waits for the lease, as on another machine.
        using var dying = Worker.Start(connectionString, schema, steps, "block", "bench-dying", TakeoverLease);
        await dying.Ready;
        dying.Go();
        while (!await AllOwnedByAsync(store, ids, "bench-dying"))
        {
            await Task.Delay(10);
        }

        using var heir = Worker.Start(connectionString, schema, steps, "block", "bench-heir", TakeoverLease);
        await heir.Ready;
        heir.Go();
        await Task.Delay(TakeoverLease);
        var clock = Stopwatch.StartNew();
        dying.Kill();
        while (!await AllOwnedByAsync(store, ids, "bench-heir"))
        {
            await Task.Delay(10);
        }

        return clock.Elapsed;
    }

    private static async Task<bool> AllOwnedByAsync(IRunStore store, List<string> ids, string owner)
    {
        foreach (var id in ids)
        {
            if ((await store.GetRunAsync(id, default))?.LeaseOwner != owner)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A worker process: this program as <c>worker</c>; it says "ready", then drives runs once told "go" on its input.</summary>
    private sealed class Worker : IDisposable
    {
        private readonly Process _process;
        private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

        private Worker(Process process)
        {
            _process = process;
            _process.OutputDataReceived += (_, e) =>
            {
                if (e.Data == "ready")
                {
                    _ready.TrySetResult();
                }
            };
            _process.Exited += (_, _) => _ready.TrySetException(new InvalidOperationException($"worker {_process.Id} exited before it was ready"));
        }

        public Task Ready => _ready.Task;

        public static Worker Start(string connectionString, string schema, int steps, string mode, string owner, TimeSpan lease)
        {
            var self = Environment.ProcessPath!;
            var start = new ProcessStartInfo(self) { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
            if (Path.GetFileNameWithoutExtension(self) == "dotnet")
            {
                start.ArgumentList.Add(typeof(ClusterBenchmark).Assembly.Location);
            }

            foreach (var argument in new[] { "worker", connectionString, schema, steps.ToString(CultureInfo.InvariantCulture), mode, owner, ((int)lease.TotalMilliseconds).ToString(CultureInfo.InvariantCulture), Capacity.ToString(CultureInfo.InvariantCulture) })
            {
                start.ArgumentList.Add(argument);
            }

            var process = new Process { StartInfo = start, EnableRaisingEvents = true };
            var worker = new Worker(process);
            process.Start();
            process.BeginOutputReadLine();
            return worker;
        }

        public void Go()
        {
            _process.StandardInput.WriteLine("go");
            _process.StandardInput.Flush();
        }

        public void Kill() => _process.Kill();

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit(10_000);
            }

            _process.Dispose();
        }
    }
}

/// <summary>The worker side of <see cref="ClusterBenchmark"/>: a worker loop over the store, its workers returning at once (or never, to be killed).</summary>
internal static class BenchWorker
{
    public const string Workflow = "bench_cluster";

    /// <summary>The workflow's workers: <c>fast</c> return at once, <c>block</c> never return, <c>call:MS</c> take MS milliseconds.</summary>
    public static void Register(Orchestrator orchestrator, int steps, string mode)
    {
        var workflow = new WorkflowDefinition(Workflow, "", "g");
        var delay = mode.StartsWith("call:", StringComparison.Ordinal)
            ? TimeSpan.FromMilliseconds(int.Parse(mode.AsSpan(5), CultureInfo.InvariantCulture))
            : mode == "block" ? Timeout.InfiniteTimeSpan : TimeSpan.Zero;
        for (var i = 0; i < steps; i++)
        {
            var type = new WorkerType("w" + i);
            orchestrator.RegisterWorker(new WorkerDefinition(type, "w" + i, "", delay == TimeSpan.Zero
                ? (_, _, _) => ValueTask.FromResult<object?>("ok")
                : async (_, _, ct) =>
                {
                    await Task.Delay(delay, ct);
                    return "ok";
                }));
            workflow.AddStep(new WorkflowStep("s" + i, type, "", i == steps - 1 ? "complete" : "s" + (i + 1), "failed"), isInitial: i == 0);
        }

        orchestrator.RegisterWorkflow(workflow);
    }

    /// <summary>
    /// A worker measured at its steady rate, not while its code is still being compiled: before it says
    /// "ready", it drives runs of the same workflow through the same kind of store (a schema of its own, so
    /// the measured queue is untouched), <paramref name="capacity"/> at a time, then drops that schema.
    /// </summary>
    private static async Task WarmUpAsync(string connection, string schema, int steps, int capacity)
    {
        var warm = schema + "_warm_" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        await using (var store = new PostgresRunStore(new PostgresRunStoreOptions { ConnectionString = connection, Schema = warm }))
        {
            await store.InitializeAsync(default);
            var orchestrator = new Orchestrator(new OrchestratorOptions { RunStore = store });
            Register(orchestrator, steps, "fast");
            for (var round = 0; round < 20; round++)
            {
                await Task.WhenAll(Enumerable.Range(0, capacity).Select(_ => orchestrator.ExecuteWorkflowAsync(Workflow, "warm-up")));
            }
        }

        await using var source = NpgsqlDataSource.Create(connection);
        await using var drop = source.CreateCommand($"DROP SCHEMA IF EXISTS {warm} CASCADE;");
        await drop.ExecuteNonQueryAsync();
    }

    /// <summary>Arguments: worker CONNECTION SCHEMA STEPS fast|block|call:MS OWNER LEASE_MS CAPACITY.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        var (connection, schema, steps, mode, owner) = (args[1], args[2], int.Parse(args[3], CultureInfo.InvariantCulture), args[4], args[5]);
        var lease = TimeSpan.FromMilliseconds(int.Parse(args[6], CultureInfo.InvariantCulture));
        var capacity = int.Parse(args[7], CultureInfo.InvariantCulture);
        await using var store = new PostgresRunStore(new PostgresRunStoreOptions { ConnectionString = connection, Schema = schema });
        await store.InitializeAsync(default);
        var orchestrator = new Orchestrator(new OrchestratorOptions { RunStore = store, OwnerId = owner, LeaseDuration = lease });
        Register(orchestrator, steps, mode);
        if (mode != "block")
        {
            await WarmUpAsync(connection, schema, steps, capacity);
        }

        Console.WriteLine("ready");
        if (Console.ReadLine() != "go")
        {
            return 1;
        }

        await orchestrator.RunWorkerLoopAsync(new WorkerLoopOptions { MaxConcurrentRuns = capacity, PollInterval = TimeSpan.FromMilliseconds(250) });
        return 0;
    }
}
