using System.CommandLine;
using Keel.Cli.Planning;
using Keel.Cli.Runs;
using Keel.Cli.Workers;
using Keel.Server;

namespace Keel.Cli.Commands;

/// <summary>
/// <c>keel serve</c>: the HTTP API, live events, approvals inbox and dashboard on a run store, driving runs
/// in this process unless <c>--no-worker</c>. Loopback only unless told otherwise, and then only with API keys.
/// </summary>
internal static class ServeCommand
{
    public const string KeysVariable = "KEEL_API_KEYS";

    public static Command Create(CommandIo io)
    {
        var store = CommonOptions.Store();
        var listen = new Option<string[]>("--listen", "-l")
        {
            Description = $"An address to listen on (repeatable). Default {KeelServer.DefaultUrl}. Any address but loopback needs API keys.",
            HelpName = "URL",
        };
        var workflows = new Option<string[]>("--workflow", "-w") { Description = "A workflow file to register at start (repeatable), with the workers it declares.", HelpName = "FILE" };
        var noWorker = new Option<bool>("--no-worker") { Description = "Serve only: runs started here (and decisions, forks, resumed pauses) are left to 'keel worker' processes on the same store." };
        var maxRuns = new Option<int>("--max-runs") { Description = "Most runs driven at once by this process. Default 32.", DefaultValueFactory = _ => 32, HelpName = "N" };
        var keysFile = new Option<string?>("--api-keys-file")
        {
            Description = $"A file of API keys, one 'name:scope:secret' a line (scope read or operator). Also read: ${KeysVariable} (keys separated by commas or new lines).",
            HelpName = "FILE",
        };
        var requireKey = new Option<bool>("--require-key") { Description = "Require an API key on loopback too." };
        var allowCommands = new Option<bool>("--allow-command-workers") { Description = "Accept posted definitions with command workers (they run programs on this machine)." };
        var command = new Command("serve", "Serve the HTTP API (under /v1, OpenAPI at /openapi/v1.json), live events and the dashboard (at /) on a run store. Ctrl+C stops; runs in flight stay resumable.")
        {
            store, listen, workflows, noWorker, maxRuns, keysFile, requireKey, allowCommands,
        };
        command.SetAction((parse, cancellationToken) => ExecuteAsync(
            io,
            new Settings(parse.GetValue(store), parse.GetValue(listen) ?? [], parse.GetValue(workflows) ?? [], parse.GetValue(noWorker), parse.GetValue(maxRuns), parse.GetValue(keysFile), parse.GetValue(requireKey), parse.GetValue(allowCommands)),
            cancellationToken));
        return command;
    }

    private sealed record Settings(string? Store, string[] Listen, string[] Workflows, bool NoWorker, int MaxRuns, string? KeysFile, bool RequireKey, bool AllowCommands);

    private static async Task<int> ExecuteAsync(CommandIo io, Settings settings, CancellationToken cancellationToken)
    {
        if (settings.MaxRuns < 1)
        {
            io.Error.WriteLine($"error: --max-runs must be 1 or more, got {settings.MaxRuns}.");
            return ExitCodes.BadInput;
        }

        var keys = ReadKeys(settings.KeysFile, io.Error);
        if (keys is null)
        {
            return ExitCodes.BadInput;
        }

        if (WorkflowFiles.LoadWithChildren(settings.Workflows, io.Error) is not var (files, workers))
        {
            return ExitCodes.BadInput;
        }

        var storePath = StorePaths.Resolve(settings.Store);
        var postgres = PostgresAddress.IsPostgres(storePath);
        IRunStore opened;
        try
        {
            opened = postgres ? CliSession.Postgres(storePath) : SqliteRunStore.Open(storePath);
        }
        catch (KeelException ex)
        {
            // A store that cannot be opened (a damaged file, a server gone) is the store's failure; the rest (a bad address) is bad input.
            io.Error.WriteLine("error: " + (postgres ? PostgresAddress.Redact(ex.Message, storePath) : ex.Message));
            return ex is RunStoreException ? ExitCodes.StoreFailure : ExitCodes.BadInput;
        }

        using var store = (IDisposable)opened;
        var options = new KeelServerOptions
        {
            RunStore = opened,
            RunWorkerLoop = !settings.NoWorker,
            MaxConcurrentRuns = settings.MaxRuns,
            RequireApiKeyOnLoopback = settings.RequireKey,
            LoggerFactory = new StderrLogs(io.Error),

            // Beside a SQLite file; with PostgreSQL, posted definitions live as long as the process.
            DefinitionsFolder = postgres ? null : storePath + ".definitions",
            DefinitionReader = new ServerDefinitionReader(settings.AllowCommands, Directory.GetCurrentDirectory()),

            // Plans live in the run store beside the runs (its SQLite file or its PostgreSQL schema), as keel plan
            // keeps them: the server lists and approves the command's plans, and its own survive a restart (on
            // PostgreSQL, every server and keel command on the schema sees them).
            Planning = orchestrator => new OrchestrationService(orchestrator, null, CliPlanning.PlansOf(opened, storePath)),
            Configure = orchestrator =>
            {
                foreach (var worker in workers)
                {
                    orchestrator.RegisterWorker(worker);
                }

                foreach (var file in files)
                {
                    orchestrator.RegisterWorkflow(file.Definition);
                }
            },
        };
        foreach (var url in settings.Listen)
        {
            options.Urls.Add(url);
        }

        foreach (var key in keys)
        {
            options.ApiKeys.Add(key);
        }

        using var interrupt = new Interrupt(cancellationToken);
        KeelServer server;
        try
        {
            server = await KeelServer.StartAsync(options, interrupt.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is KeelException or IOException or InvalidOperationException)
        {
            io.Error.WriteLine("error: " + ex.Message);
            return ExitCodes.BadInput;
        }

        await using (server.ConfigureAwait(false))
        {
            var address = server.Addresses[0];
            io.Out.WriteLine($"Keel serving {StorePaths.Display(storePath)} on {string.Join(", ", server.Addresses)}");
            io.Out.WriteLine($"  dashboard  {address}");
            io.Out.WriteLine($"  API        {new Uri(address, "/v1/runs")}  (OpenAPI: {new Uri(address, "/openapi/v1.json")})");
            io.Out.WriteLine($"  keys       {(server.KeysRequired ? $"required ({string.Join(", ", keys)})" : "not required (loopback)")}; worker loop {(settings.NoWorker ? "off" : "on")}");
            io.Out.WriteLine("Ctrl+C stops.");
            io.Out.Flush();
            try
            {
                await Task.Delay(Timeout.Infinite, interrupt.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                io.Out.WriteLine("Stopping: runs in flight stay resumable.");
            }
        }

        return ExitCodes.Completed;
    }

    private static List<ApiKey>? ReadKeys(string? file, TextWriter error)
    {
        var lines = new List<(string Source, string Text)>();
        if (Environment.GetEnvironmentVariable(KeysVariable) is { Length: > 0 } variable)
        {
            lines.AddRange(variable.Split([',', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(t => ("$" + KeysVariable, t)));
        }

        if (file is not null)
        {
            try
            {
                lines.AddRange(File.ReadAllLines(file).Select((t, i) => ($"{file}:{i + 1}", t.Trim())).Where(l => l.Item2.Length > 0 && !l.Item2.StartsWith('#')));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                error.WriteLine($"error: --api-keys-file {file}: {ex.Message}");
                return null;
            }
        }

        var keys = new List<ApiKey>();
        foreach (var (source, text) in lines)
        {
            try
            {
                keys.Add(ApiKey.Parse(text));
            }
            catch (KeelException ex)
            {
                error.WriteLine($"error: {source}: {ex.Message}");
                return null;
            }
        }

        return keys;
    }
}
