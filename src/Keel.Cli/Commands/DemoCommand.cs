using System.CommandLine;
using Keel.Cli.Runs;
using Keel.Cli.Workers;
using Keel.Demo;

namespace Keel.Cli.Commands;

/// <summary><c>keel demo [--out DIR]</c>: the build-website pipeline on the configured model's chat workers, else on the offline workers, writing the site to a folder.</summary>
internal static class DemoCommand
{
    public const string DefaultGoal = "Build a website for a neighbourhood bakery: opening hours, the daily bread menu, and how to order a birthday cake";

    public static Command Create(CommandIo io)
    {
        var output = new Option<string>("--out", "-o") { Description = "The folder the site is written to.", DefaultValueFactory = _ => "keel-demo-site", HelpName = "DIR" };
        var goal = new Option<string>("--goal", "-g") { Description = "What the website is for.", DefaultValueFactory = _ => DefaultGoal, HelpName = "TEXT" };
        var store = CommonOptions.Store();
        var json = CommonOptions.Json("the result");
        var command = new Command("demo", "Run the build-website pipeline (product manager, coder, reviewer; a failed review sends the coder back) and write the site to a folder. Uses chat workers when a model is configured (KEEL_MODEL, OPENAI_API_KEY, OPENAI_BASE_URL, OLLAMA_HOST or keel.json), else the offline workers.")
        {
            output, goal, store, json,
        };
        command.SetAction((parse, cancellationToken) => ExecuteAsync(io, parse.GetValue(output)!, parse.GetValue(goal)!, parse.GetValue(store), parse.GetValue(json), cancellationToken));
        return command;
    }

    private static async Task<int> ExecuteAsync(CommandIo io, string folder, string goal, string? storeOption, bool json, CancellationToken cancellationToken)
    {
        // A configured model whose client cannot be made (a provider without its key) stops the demo before it
        // creates anything, as bad input, as keel run does for an llm worker.
        if (CliHost.LlmWorkers is ChatLlmWorkerFactory configured)
        {
            try
            {
                _ = configured.Client;
            }
            catch (KeelException ex)
            {
                io.Error.WriteLine($"error: the model {configured.Description} cannot be used: {ex.Message}");
                return ExitCodes.BadInput;
            }
        }

        // The site's folder is checked before the run, so a bad --out costs no run and says so as bad input.
        try
        {
            Directory.CreateDirectory(folder);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            io.Error.WriteLine($"error: --out '{folder}' cannot hold the site: {ex.Message}");
            return ExitCodes.BadInput;
        }

        var driver = new RunDriver(io, storeOption, json);
        using var session = CliSession.Open(storeOption, driver.Observer, mustExist: false, io.Error);
        if (session is null)
        {
            return ExitCodes.BadInput;
        }

        var notice = io.Error;
        var chat = CliHost.LlmWorkers as ChatLlmWorkerFactory;
        if (chat is null)
        {
            notice.WriteLine(ModelSetup.OfflineNotice("the demo uses the offline workers (product manager, coder, reviewer), which do real, checkable work without a model"));
        }
        else
        {
            notice.WriteLine($"Model: {chat.Description}");
            notice.WriteLine("The demo uses chat workers on that model: a product manager, a coder and a reviewer.");
        }

        var workflow = Workflows.CreateBuildWebsiteWorkflow();
        session.Register(chat is null ? OfflineWorkers.All() : DemoChatWorkers.All(chat.Client));
        session.Orchestrator.RegisterWorkflow(workflow);
        var runId = Guid.NewGuid().ToString("N");
        if (!json)
        {
            io.Out.WriteLine($"Running '{workflow.Name}' (run {runId}) on {session.StorePath}");
        }

        return await driver.DriveAsync(
            session,
            runId,
            token => session.Orchestrator.ExecuteWorkflowAsync(workflow.Name, goal, new ExecuteOptions { RunId = runId, Data = new Dictionary<string, object?> { [RunTags.File] = chat is null ? RunTags.Demo : RunTags.DemoChat } }, token),
            cancellationToken,
            async result =>
            {
                if (result.State == WorkflowState.Completed)
                {
                    var path = await DemoSite.WriteAsync(result, folder, cancellationToken).ConfigureAwait(false);
                    var output = json ? io.Error : io.Out;
                    output.WriteLine();
                    output.WriteLine($"The site is in {Path.GetDirectoryName(path)}: open {path}");
                }
            }).ConfigureAwait(false);
    }
}
