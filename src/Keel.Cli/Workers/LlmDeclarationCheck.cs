using Keel.AI;
using Microsoft.Extensions.AI;

namespace Keel.Cli.Workers;

/// <summary>
/// Checks what a chat worker checks when it is built (the instructions template's placeholders, the
/// output schema's supported subset) without a model: <c>keel validate</c> reports these problems too.
/// </summary>
internal static class LlmDeclarationCheck
{
    /// <summary>The problems of the file's llm workers, each named by <paramref name="display"/> (the path as the user gave it).</summary>
    public static IReadOnlyList<WorkflowFileProblem> Problems(WorkflowFile file, string display)
    {
        var problems = new List<WorkflowFileProblem>();
        foreach (var declaration in file.Workers.Values.Where(w => w.Kind == WorkerKind.Llm))
        {
            try
            {
                ChatWorker.Create(new WorkerType(declaration.WorkerType), declaration.WorkerType, UncalledChatClient.Instance, declaration.Instructions ?? string.Empty, new ChatWorkerOptions
                {
                    OutputSchema = declaration.OutputSchema?.GetRawText(),
                });
            }
            catch (KeelException ex)
            {
                problems.Add(new WorkflowFileProblem(display, 0, 0, $"llm worker '{declaration.WorkerType}': {Reason(declaration, ex)}"));
            }
        }

        return problems;
    }

    /// <summary>The exception's message without the worker's name in front (the caller names it).</summary>
    public static string Reason(WorkerDeclaration declaration, KeelException exception)
    {
        var prefix = $"Worker '{declaration.WorkerType}': ";
        return exception.Message.StartsWith(prefix, StringComparison.Ordinal) ? exception.Message[prefix.Length..] : exception.Message;
    }

    /// <summary>Stands in for a model while a worker is only built, never run.</summary>
    private sealed class UncalledChatClient : IChatClient
    {
        public static readonly UncalledChatClient Instance = new();

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
            => throw new InvalidOperationException("no model is called while a workflow file is validated");

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
            => throw new InvalidOperationException("no model is called while a workflow file is validated");

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
