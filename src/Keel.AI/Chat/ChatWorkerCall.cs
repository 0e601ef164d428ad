using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Keel.AI;

/// <summary>One chat worker's executor: render, call, report usage, parse, validate.</summary>
internal sealed class ChatWorkerCall(
    string name,
    IChatClient client,
    PromptTemplate instructions,
    PromptTemplate user,
    JsonElement? schema,
    ChatWorkerOptions options)
{
    private const int AnswerExcerpt = 2000;

    public async ValueTask<object?> ExecuteAsync(JsonElement input, WorkflowContext context, CancellationToken cancellationToken)
    {
        var messages = new List<ChatMessage>
        {
            new(ChatRole.System, instructions.Render(input, context)),
            new(ChatRole.User, user.Render(input, context)),
        };
        if (RepairRequest(context) is { } repair)
        {
            messages.Add(new ChatMessage(ChatRole.User, repair));
        }

        var chatOptions = new ChatOptions
        {
            ModelId = options.Model,
            Temperature = options.Temperature,
            MaxOutputTokens = options.MaxOutputTokens,
            ResponseFormat = schema is { } s ? ChatResponseFormat.ForJsonSchema(s, options.SchemaName) : null,
        };
        options.ConfigureOptions?.Invoke(chatOptions);

        ChatResponse response;
        using (ChatCallScope.Enter(context))
        {
            response = options.Streaming
                ? await client.GetStreamingResponseAsync(messages, chatOptions, cancellationToken).ToChatResponseAsync(cancellationToken).ConfigureAwait(false)
                : await client.GetResponseAsync(messages, chatOptions, cancellationToken).ConfigureAwait(false);
        }

        UsageReport.Report(context, response.Usage, response.ModelId ?? options.Model, options.Prices);
        var text = response.Text;
        return schema is { } outputSchema ? Parse(text, outputSchema, context) : text;
    }

    /// <summary>On a retry after an invalid answer, the message that tells the model what to repair.</summary>
    internal static string? RepairRequest(WorkflowContext context)
    {
        var attempt = context.Attempt;
        if (attempt.Number <= 1 || attempt.PreviousOutcome != AttemptOutcome.InvalidOutput || attempt.PreviousError is not { } error)
        {
            return null;
        }

        return "Your previous answer was rejected: " + error + Environment.NewLine
            + "Answer again with only a JSON value that satisfies the required schema.";
    }

    private JsonElement Parse(string text, JsonElement outputSchema, WorkflowContext context)
    {
        JsonElement value;
        try
        {
            value = KeelJson.Parse(StripFence(text));
        }
        catch (JsonException ex)
        {
            throw new InvalidWorkerOutputException($"worker '{name}' at step '{context.Attempt.StepId}': the answer is not JSON ({ex.Message}). Answer: {Excerpt(text)}");
        }

        var errors = JsonSchemaValidator.Validate(outputSchema, value);
        if (errors.Count > 0)
        {
            throw new InvalidWorkerOutputException($"worker '{name}' at step '{context.Attempt.StepId}': the answer does not match the schema: {string.Join("; ", errors)}. Answer: {Excerpt(text)}");
        }

        return value;
    }

    /// <summary>Takes the JSON out of a markdown code fence when the model wrapped it in one.</summary>
    private static string StripFence(string text)
    {
        var trimmed = text.Trim();
        if (!trimmed.StartsWith("```", StringComparison.Ordinal))
        {
            return trimmed;
        }

        var firstLine = trimmed.IndexOf('\n', StringComparison.Ordinal);
        var end = trimmed.LastIndexOf("```", StringComparison.Ordinal);
        return firstLine > 0 && end > firstLine ? trimmed[(firstLine + 1)..end].Trim() : trimmed;
    }

    private static string Excerpt(string text) => text.Length <= AnswerExcerpt ? text : text[..AnswerExcerpt] + "...";
}
