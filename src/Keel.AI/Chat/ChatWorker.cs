using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Keel.AI;

/// <summary>
/// Workers that ask a chat model (any <see cref="IChatClient"/>). The instructions are a template over the
/// step's input, the goal and the data bus; with an output schema the answer is parsed and validated, an
/// invalid answer fails the attempt as InvalidOutput, and the retry tells the model what was wrong.
/// </summary>
public static class ChatWorker
{
    /// <summary>A chat worker; the answer is text, or JSON checked against <see cref="ChatWorkerOptions.OutputSchema"/>.</summary>
    public static WorkerDefinition Create(WorkerType workerType, string name, IChatClient chatClient, string instructions, ChatWorkerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(chatClient);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        options ??= new ChatWorkerOptions();
        JsonElement? schema = null;
        if (options.OutputSchema is { } schemaText)
        {
            try
            {
                schema = KeelJson.Parse(schemaText);
            }
            catch (JsonException ex)
            {
                throw new KeelException($"Worker '{name}': the output schema is not valid JSON: {ex.Message}", ex);
            }

            JsonSchemaValidator.EnsureUsable(schema.Value, name);
        }

        var call = new ChatWorkerCall(
            name,
            chatClient,
            PromptTemplate.Parse(instructions, name),
            PromptTemplate.Parse(options.UserTemplate, name),
            schema,
            options);
        return new WorkerDefinition(workerType, name, options.Description, call.ExecuteAsync) { OutputSchema = schema };
    }

    /// <summary>A chat worker whose answer must be a <typeparamref name="TOutput"/> (the schema is derived from the type).</summary>
    public static WorkerDefinition Create<TOutput>(WorkerType workerType, string name, IChatClient chatClient, string instructions, ChatWorkerOptions? options = null)
    {
        var schema = AIJsonUtilities.CreateJsonSchema(typeof(TOutput), serializerOptions: KeelJson.Options);
        var source = options ?? new ChatWorkerOptions();
        var typed = source with
        {
            OutputSchema = schema.GetRawText(),
            SchemaName = source.SchemaName == "output" ? typeof(TOutput).Name : source.SchemaName,
        };
        return Create(workerType, name, chatClient, instructions, typed);
    }
}
