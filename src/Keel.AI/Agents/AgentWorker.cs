using Microsoft.Agents.AI;

namespace Keel.AI;

/// <summary>
/// Makes a Microsoft Agent Framework <see cref="AIAgent"/> (for example a ChatClientAgent) a Keel worker:
/// each attempt runs the agent once, in a fresh session, on a message rendered from the step's input,
/// and records the agent's text answer and usage.
/// </summary>
public static class AgentWorker
{
    /// <summary>An agent worker; <paramref name="message"/> is a template like a chat worker's instructions (default <c>{{input}}</c>).</summary>
    public static WorkerDefinition Create(WorkerType workerType, string name, AIAgent agent, string message = "{{input}}", PriceTable? prices = null, string description = "")
    {
        ArgumentNullException.ThrowIfNull(agent);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var template = PromptTemplate.Parse(message, name);
        return new WorkerDefinition(workerType, name, description.Length == 0 ? agent.Description ?? string.Empty : description, async (input, context, cancellationToken) =>
        {
            var text = template.Render(input, context);
            AgentResponse response;
            using (ChatCallScope.Enter(context))
            {
                response = await agent.RunAsync(text, session: null, options: null, cancellationToken).ConfigureAwait(false);
            }

            UsageReport.Report(context, response.Usage, ModelOf(response), prices);
            return response.Text;
        });
    }

    private static string? ModelOf(AgentResponse response)
        => response.RawRepresentation is Microsoft.Extensions.AI.ChatResponse chat ? chat.ModelId : null;
}
