using Keel.Server.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Keel.Server.Definitions;

/// <summary><c>/v1/definitions</c>, <c>/v1/workflows</c>, <c>/v1/workers</c>: versions by content hash, graphs, and what is registered.</summary>
internal static class DefinitionEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        var definitions = app.MapGroup("/v1/definitions").WithTags("definitions");
        definitions.MapPost("/", StoreAsync).WithName("StoreDefinition").WithSummary("Validate a definition, store it by content hash and register it for new runs")
            .Accepts<DefinitionRequest>("application/json").Produces<DefinitionView>(StatusCodes.Status201Created).Produces<DefinitionView>(StatusCodes.Status200OK).ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity);
        definitions.MapPost("/validate", ValidateAsync).WithName("ValidateDefinition").WithSummary("Validate a definition without storing it")
            .Accepts<DefinitionRequest>("application/json").Produces<DefinitionView>().ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity);
        definitions.MapGet("/", List).WithName("ListDefinitions").WithSummary("Stored definition versions").Produces<IReadOnlyList<DefinitionView>>();
        definitions.MapGet("/{hash}", Get).WithName("GetDefinition").WithSummary("A stored version as canonical JSON").Produces<string>(StatusCodes.Status200OK, "application/json").ProducesProblem(StatusCodes.Status404NotFound);
        definitions.MapGet("/{hash}/graph", Graph).WithName("GetDefinitionGraph").WithSummary("A version's graph as JSON (with Mermaid), or as Mermaid text with ?format=mermaid")
            .Produces<GraphView>().ProducesProblem(StatusCodes.Status404NotFound);
        app.MapGet("/v1/workflows", Workflows).WithTags("registry").WithName("ListWorkflows").WithSummary("Registered workflows").Produces<IReadOnlyList<WorkflowView>>();
        app.MapGet("/v1/workflows/{name}/graph", WorkflowGraphOf).WithTags("registry").WithName("GetWorkflowGraph").WithSummary("A registered workflow's graph").Produces<GraphView>().ProducesProblem(StatusCodes.Status404NotFound);
        app.MapGet("/v1/workers", Workers).WithTags("registry").WithName("ListWorkers").WithSummary("Registered workers").Produces<IReadOnlyList<WorkerView>>();
    }

    private static async Task<(DefinitionReadResult? Read, DefinitionRequest? Request, IResult? Error)> ReadAsync(HttpContext http, ServerContext server, CancellationToken cancellationToken)
    {
        var (request, bad) = await Body.ReadAsync(http.Request, ApiJsonContext.Default.DefinitionRequest, required: true, cancellationToken).ConfigureAwait(false);
        if (bad is not null)
        {
            return (null, null, bad);
        }

        var errors = new FieldErrors();
        errors.Required("content", request!.Content, (int)Math.Min(int.MaxValue, server.Options.MaxRequestBodyBytes));
        if (request.Format is { } format && format is not ("yaml" or "json"))
        {
            errors.Add("format", $"must be 'yaml' or 'json', got '{format}'");
        }

        if (errors.Any)
        {
            return (null, null, Problems.Invalid(errors.ToDictionary()));
        }

        var read = (server.Options.DefinitionReader ?? new CanonicalJsonReader()).Read(request.Content!, request.Format);
        if (read.Problems.Count > 0 || read.Definition is null)
        {
            var problems = read.Problems.Count > 0 ? read.Problems : [new DefinitionProblem("content", "the definition could not be read")];
            var dictionary = problems
                .GroupBy(p => p.Field is "content" or "format" ? p.Field : p.Field.Length == 0 ? "content" : "content." + p.Field, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.Select(p => p.Line > 0 ? $"line {p.Line}, column {p.Column}: {p.Message}" : p.Message).ToArray(), StringComparer.Ordinal);
            return (null, null, Problems.Invalid(dictionary, $"The definition has {problems.Count} problem(s): " + string.Join("; ", problems.Select(p => $"{p.Field}: {p.Message}"))));
        }

        // The name is a path segment of the API (/v1/workflows/{name}/graph) and a run's workflow field.
        var name = read.Definition.Name;
        if (name.Length > FieldErrors.MaxName || name.Contains('/', StringComparison.Ordinal) || name.Any(char.IsControl))
        {
            return (null, null, Problems.Invalid("content.name", name.Length > FieldErrors.MaxName
                ? $"is {name.Length} characters; at most {FieldErrors.MaxName} are accepted"
                : "must not contain '/' or control characters (it names the workflow in the API's paths)"));
        }

        return (read, request, null);
    }

    private static async Task<IResult> ValidateAsync(HttpContext http, ServerContext server, CancellationToken cancellationToken)
    {
        var (read, _, error) = await ReadAsync(http, server, cancellationToken).ConfigureAwait(false);
        if (error is not null)
        {
            return error;
        }

        var json = WorkflowDefinitionJson.Serialize(read!.Definition!);
        return Results.Ok(View(server, read.Definition!, WorkflowDefinitionJson.Hash(json), server.Time.GetUtcNow()));
    }

    private static async Task<IResult> StoreAsync(HttpContext http, ServerContext server, CancellationToken cancellationToken)
    {
        var (read, request, error) = await ReadAsync(http, server, cancellationToken).ConfigureAwait(false);
        if (error is not null)
        {
            return error;
        }

        foreach (var worker in read!.Workers)
        {
            server.Orchestrator.RegisterWorker(worker);
        }

        try
        {
            server.Orchestrator.RegisterWorkflow(read.Definition!);
        }
        catch (WorkflowValidationException ex)
        {
            return Problems.Invalid(ex.Problems.GroupBy(p => "content." + (p.StepId is null ? p.Field : $"steps[{p.StepId}].{p.Field}"), StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Select(p => p.Message).ToArray()));
        }

        var (stored, created) = server.Catalog.Add(read.Definition!, request!.Content!, request.Format, server.Time.GetUtcNow());
        server.Catalog.MarkRegistered(stored.Name, stored.Hash);
        Log.Control(server.Logger, ServerContext.Actor(http, null), "stored definition " + stored.Hash + " of", stored.Name);
        var view = View(server, read.Definition!, stored.Hash, stored.StoredAt);
        return created ? Results.Created($"/v1/definitions/{stored.Hash}", view) : Results.Ok(view);
    }

    private static DefinitionView View(ServerContext server, WorkflowDefinition definition, string hash, DateTimeOffset at) => new()
    {
        Name = definition.Name,
        Hash = hash,
        Description = definition.Description,
        Goal = definition.Goal,
        Steps = definition.Steps.Count,
        StoredAt = at,
        Registered = server.Orchestrator.GetWorkflow(definition.Name) is { } registered && string.Equals(HashOf(registered), hash, StringComparison.OrdinalIgnoreCase),
    };

    internal static string HashOf(WorkflowDefinition definition) => WorkflowDefinitionJson.Hash(WorkflowDefinitionJson.Serialize(definition));

    private static IResult List(ServerContext server)
        => Results.Ok(server.Catalog.All.Select(d => View(server, d.Definition, d.Hash, d.StoredAt)).ToArray());

    private static IResult Get(ServerContext server, string hash)
        => server.Catalog.Find(hash) is { } stored
            ? Results.Text(stored.CanonicalJson, "application/json")
            : Problems.NotFound($"No stored definition has hash '{hash}'.");

    private static IResult Graph(ServerContext server, string hash, string? format)
        => server.Catalog.Find(hash) is { } stored
            ? GraphResult(stored.Definition, format)
            : Problems.NotFound($"No stored definition has hash '{hash}'.");

    private static IResult WorkflowGraphOf(ServerContext server, string name, string? format)
        => server.Orchestrator.GetWorkflow(name) is { } workflow
            ? GraphResult(workflow, format)
            : Problems.NotFound($"No workflow '{name}' is registered.");

    internal static IResult GraphResult(WorkflowDefinition definition, string? format)
    {
        if (format is not null && format is not ("json" or "mermaid"))
        {
            return Problems.Invalid("format", $"must be 'json' or 'mermaid', got '{format}'");
        }

        var graph = WorkflowGraph.From(definition);
        var mermaid = MermaidFormatter.Format(graph);
        return format == "mermaid"
            ? Results.Text(mermaid, "text/vnd.mermaid; charset=utf-8")
            : Results.Ok(ToView(graph, mermaid));
    }

    internal static GraphView ToView(WorkflowGraph graph, string mermaid) => new(
        graph.Name,
        graph.InitialStep,
        graph.Nodes.Select(n => new GraphNodeView(n.Id, n.Kind.ToString().ToLowerInvariant(), n.Label, n.Description)).ToArray(),
        graph.Edges.Select(e => new GraphEdgeView(e.From, e.To, e.Kind.ToString().ToLowerInvariant(), e.Label)).ToArray(),
        mermaid);

    private static IResult Workflows(ServerContext server)
        => Results.Ok(server.Orchestrator.Workflows
            .OrderBy(w => w.Name, StringComparer.Ordinal)
            .Select(w => new WorkflowView(w.Name, w.Description, w.Goal, HashOf(w), w.Steps.Count, w.InitialStep))
            .ToArray());

    private static IResult Workers(ServerContext server)
        => Results.Ok(server.Orchestrator.Workers
            .OrderBy(w => w.WorkerType.Value, StringComparer.Ordinal)
            .Select(w => new WorkerView(w.WorkerType.Value, w.Name, w.Description))
            .ToArray());
}
