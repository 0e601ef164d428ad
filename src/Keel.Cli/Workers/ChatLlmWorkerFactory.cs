using Keel.AI;
using Microsoft.Extensions.AI;

namespace Keel.Cli.Workers;

/// <summary>
/// Builds <c>llm</c> workers as Keel.AI chat workers on the configured model: the declaration's
/// instructions are the template, its output_schema validates every answer, its model (when set)
/// replaces the configured one. One chat client serves every worker of the command.
/// </summary>
internal sealed class ChatLlmWorkerFactory : ILlmWorkerFactory
{
    private readonly Lazy<IChatClient> _client;

    public ChatLlmWorkerFactory(ModelConfiguration configuration)
    {
        Configuration = configuration;
        _client = new Lazy<IChatClient>(configuration.CreateChatClient);
    }

    public ModelConfiguration Configuration { get; }

    public string Description => Configuration.ToString();

    public IChatClient Client => _client.Value;

    public WorkerDefinition Create(WorkerDeclaration declaration)
    {
        ArgumentNullException.ThrowIfNull(declaration);
        var instructions = declaration.Instructions
            ?? throw new KeelException($"Worker '{declaration.WorkerType}': field 'instructions' is not set.");
        var options = new ChatWorkerOptions
        {
            Description = declaration.Description.Length == 0 ? $"asks {Configuration.Model}" : declaration.Description,
            OutputSchema = declaration.OutputSchema?.GetRawText(),
            Model = declaration.Model,
        };
        return ChatWorker.Create(new WorkerType(declaration.WorkerType), declaration.WorkerType, Client, instructions, options);
    }
}
