using System.Net;
using Keel.Server.Approvals;
using Keel.Server.Definitions;
using Keel.Server.Events;
using Keel.Server.Http;
using Keel.Server.Runs;
using Keel.Server.Security;
using Keel.Server.Usage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Keel.Server;

/// <summary>
/// The Keel service in one process: the HTTP API under <c>/v1</c>, its OpenAPI document at
/// <c>/openapi/v1.json</c>, live events, the approvals inbox and the dashboard at <c>/</c>, on the
/// configured run store. Start it with <see cref="StartAsync"/>; dispose it to stop (runs in flight are
/// interrupted and stay resumable).
/// </summary>
public sealed class KeelServer : IAsyncDisposable
{
    /// <summary>The address used when none is configured: loopback only.</summary>
    public const string DefaultUrl = "http://127.0.0.1:5080";

    private readonly WebApplication _app;
    private readonly RunLauncher _launcher;
    private readonly CancellationTokenSource _background = new();
    private readonly List<Task> _loops = [];
    private int _disposed;

    private KeelServer(WebApplication app, RunLauncher launcher, Orchestrator orchestrator, bool keysRequired)
    {
        _app = app;
        _launcher = launcher;
        Orchestrator = orchestrator;
        KeysRequired = keysRequired;
    }

    /// <summary>The orchestrator the server drives runs with (register workers and workflows on it).</summary>
    public Orchestrator Orchestrator { get; }

    /// <summary>The addresses the server listens on, with the real port when port 0 was asked for.</summary>
    public IReadOnlyList<Uri> Addresses { get; private set; } = [];

    /// <summary>True when every API call must carry a key.</summary>
    public bool KeysRequired { get; }

    /// <summary>Checks the options, binds the addresses and starts serving.</summary>
    public static async Task<KeelServer> StartAsync(KeelServerOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var inner = options.RunStore ?? throw new KeelException("KeelServerOptions.RunStore is required (UseSqlite, or an InMemoryRunStore for tests).");
        if (options.Urls.Count == 0)
        {
            options.Urls.Add(DefaultUrl);
        }

        foreach (var url in options.Urls)
        {
            if (!Uri.TryCreate(url.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal), UriKind.Absolute, out var uri)
                || uri.Scheme is not ("http" or "https") || string.IsNullOrEmpty(uri.Host))
            {
                throw new KeelException($"The address to listen on '{url}' is not an http:// URL with a host and a port (e.g. http://127.0.0.1:5080).");
            }

            if (uri.Scheme == "https")
            {
                throw new KeelException($"The address to listen on '{url}' is https://, and the server speaks plain HTTP: listen on http:// and put TLS in a reverse proxy in front (docs/service.md).");
            }
        }

        var offLoopback = options.Urls.Where(u => !IsLoopback(u)).ToArray();
        if (offLoopback.Length > 0 && options.ApiKeys.Count == 0)
        {
            throw new KeelException($"The server would listen off loopback ({string.Join(", ", offLoopback)}) with no API key: configure at least one key (KEEL_API_KEYS or --api-keys-file), or listen on 127.0.0.1.");
        }

        if (options.RequireApiKeyOnLoopback && options.ApiKeys.Count == 0)
        {
            throw new KeelException("API keys are required on loopback, and none is configured.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxConcurrentRuns, 1, nameof(options.MaxConcurrentRuns));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxRequestBodyBytes, 1024, nameof(options.MaxRequestBodyBytes));
        var keysRequired = offLoopback.Length > 0 || options.RequireApiKeyOnLoopback;
        var check = new ApiKeyCheck(options.ApiKeys);
        var loggerFactory = options.LoggerFactory ?? NullLoggerFactory.Instance;
        var logger = loggerFactory.CreateLogger("Keel.Server");
        var changes = new RunChanges();
        var store = new NotifyingRunStore(inner, changes);
        var orchestratorOptions = new OrchestratorOptions
        {
            RunStore = store,
            TimeProvider = options.TimeProvider,
            LoggerFactory = options.LoggerFactory,
            MaxConcurrentRuns = options.MaxConcurrentRuns,

            // Without a worker loop here, a decision is recorded and the rest of the run left to the workers.
            DriveDecisions = options.RunWorkerLoop,
        };
        if (options.OwnerId is { } owner)
        {
            orchestratorOptions.OwnerId = owner;
        }

        var orchestrator = new Orchestrator(orchestratorOptions);
        options.Configure?.Invoke(orchestrator);
        var catalog = new DefinitionCatalog(options.DefinitionsFolder);
        // The versions posted before, registered again as they last were; a workflow the server was started
        // with keeps the version it was started with, which is recorded as registered now.
        var started = orchestrator.Workflows.ToArray();
        var names = started.Select(w => w.Name).ToHashSet(StringComparer.Ordinal);
        var reader = options.DefinitionReader ?? new CanonicalJsonReader();
        foreach (var skipped in catalog.Load(stored => Reregister(orchestrator, reader, stored), names.Contains))
        {
            Log.BackgroundFailed(logger, "a stored definition was skipped: " + skipped);
        }

        foreach (var workflow in started)
        {
            var (added, _) = catalog.Add(workflow, WorkflowDefinitionJson.Serialize(workflow), "json", options.TimeProvider.GetUtcNow());
            catalog.MarkRegistered(workflow.Name, added.Hash);
        }

        var launcher = new RunLauncher(changes, options.TimeProvider, logger);
        var context = new ServerContext(orchestrator, store, launcher, catalog, changes, options, logger);
        var app = Build(options, context, check, keysRequired, loggerFactory);
        var server = new KeelServer(app, launcher, orchestrator, keysRequired);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        server.Addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Select(a => new Uri(a)).ToArray();
        server.StartLoops(context);
        Log.Listening(logger, string.Join(", ", server.Addresses), keysRequired, options.RunWorkerLoop);
        return server;
    }

    private static void Reregister(Orchestrator orchestrator, IDefinitionReader reader, StoredDefinition stored)
    {
        var read = reader.Read(stored.Content, stored.Format);
        foreach (var worker in read.Workers)
        {
            orchestrator.RegisterWorker(worker);
        }

        orchestrator.RegisterWorkflow(read.Definition ?? stored.Definition);
    }

    private static WebApplication Build(KeelServerOptions options, ServerContext context, ApiKeyCheck check, bool keysRequired, ILoggerFactory loggerFactory)
    {
        var dashboard = Dashboard(options.WebRoot);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(KeelServer).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = "Production",
            Args = [],
        });
        builder.Logging.ClearProviders();
        if (options.LoggerFactory is not null)
        {
            builder.Logging.AddProvider(new ForwardingLoggerProvider(loggerFactory));
        }

        builder.WebHost.UseUrls([.. options.Urls]);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes;
            kestrel.Limits.MaxRequestHeadersTotalSize = 32 * 1024;
            kestrel.Limits.MaxRequestHeaderCount = 64;
            kestrel.Limits.MaxRequestLineSize = 8 * 1024;
        });
        builder.Services.AddProblemDetails(problems => problems.CustomizeProblemDetails = Problems.Describe);
        builder.Services.ConfigureHttpJsonOptions(json => ApiJson.Configure(json.SerializerOptions));
        builder.Services.AddOpenApi("v1", openApi => ApiDocument.Configure(openApi));
        builder.Services.AddSingleton(context);
        builder.Services.PostConfigure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(routes => routes.ThrowOnBadRequest = true);
        var app = builder.Build();
        // An exception no endpoint turned into a problem: the run store's failure (damaged, locked, gone) is a 503
        // naming the store and what failed; anything else a 500. Both are logged with the exception.
        app.UseExceptionHandler(new ExceptionHandlerOptions { StatusCodeSelector = Problems.StatusOf });
        app.UseStatusCodePages();
        app.Use(BindingProblems.HandleAsync);
        app.Use(async (http, next) =>
        {
            http.Response.Headers.XContentTypeOptions = "nosniff";
            http.Response.Headers["Referrer-Policy"] = "no-referrer";
            http.Response.Headers.XFrameOptions = "DENY";
            await next(http).ConfigureAwait(false);
        });
        app.Use((http, next) => OriginGuard.HandleAsync(http, () => next(http), keysRequired));
        app.Use(Body.GateAsync);
        if (dashboard is { } files)
        {
            app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
            app.UseStaticFiles(new StaticFileOptions { FileProvider = files });
            app.UseRouting();

            // After routing: the key is asked of every request routed to the API, however its path is spelled.
            app.UseMiddleware<ApiKeyMiddleware>(check, keysRequired);
            app.MapFallback("/{**path}", (HttpContext http) => http.Request.Path.StartsWithSegments("/v1", StringComparison.OrdinalIgnoreCase)
                ? UnroutedRequest.Answer(http)
                : Results.Stream(files.GetFileInfo("index.html").CreateReadStream(), "text/html")).ExcludeFromDescription();
        }
        else
        {
            app.UseRouting();
            app.UseMiddleware<ApiKeyMiddleware>(check, keysRequired);
            var missing = options.WebRoot is { } folder ? $"The dashboard folder {folder} has no index.html." : "This build of Keel.Server has no dashboard (it was built without Node.js).";
            app.MapGet("/", () => Results.Text(missing + " The API is under /v1; its OpenAPI document is /openapi/v1.json.\n"))
                .ExcludeFromDescription();
        }

        app.MapOpenApi("/openapi/{documentName}.json");
        RunEndpoints.Map(app);
        EventEndpoints.Map(app);
        ApprovalEndpoints.Map(app);
        DefinitionEndpoints.Map(app);
        UsageEndpoints.Map(app);
        Plans.PlanEndpoints.Map(app);
        return app;
    }

    private void StartLoops(ServerContext context)
    {
        var token = _background.Token;
        _loops.Add(Task.Run(() => new DeadlineSweeper(context).RunAsync(token), CancellationToken.None));
        if (context.Options.RunWorkerLoop)
        {
            // The worker loop drives the runs started here (stored pending) and claims abandoned ones, as keel worker does.
            var loop = new WorkerLoopOptions { PollInterval = context.Options.PollInterval, MaxConcurrentRuns = context.Options.MaxConcurrentRuns };
            _loops.Add(Task.Run(() => context.Orchestrator.RunWorkerLoopAsync(loop, token), CancellationToken.None));
        }
    }

    /// <summary>
    /// The dashboard's files: the folder <paramref name="webRoot"/> when one is given, else the files embedded in
    /// this assembly when it was built with them; null when there are none.
    /// </summary>
    private static IFileProvider? Dashboard(string? webRoot)
    {
        if (webRoot is not null)
        {
            return File.Exists(Path.Combine(webRoot, "index.html")) ? new PhysicalFileProvider(Path.GetFullPath(webRoot)) : null;
        }

        var embedded = new EmbeddedFileProvider(typeof(KeelServer).Assembly, "Keel.Server.wwwroot");
        return embedded.GetFileInfo("index.html").Exists ? embedded : null;
    }

    /// <summary>True for a URL whose host is a loopback address or <c>localhost</c>.</summary>
    internal static bool IsLoopback(string url)
    {
        if (!Uri.TryCreate(url.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal), UriKind.Absolute, out var uri))
        {
            return false;
        }

        return string.Equals(uri.Host, "localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));
    }

    /// <summary>Stops listening, then interrupts the runs this process drives (they stay resumable) and waits for them.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _background.CancelAsync().ConfigureAwait(false);
        using (var stop = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
        {
            await _app.StopAsync(stop.Token).ConfigureAwait(false);
        }

        await _launcher.DisposeAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(_loops).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        await _app.DisposeAsync().ConfigureAwait(false);
        _background.Dispose();
    }

    // OpenAPI 3.0: what the common client generators (NSwag, Kiota, openapi-generator) read today.
    private sealed class ForwardingLoggerProvider(ILoggerFactory factory) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => factory.CreateLogger(categoryName);

        public void Dispose()
        {
        }
    }
}
