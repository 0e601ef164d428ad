using Keel.AI;
using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;

namespace Keel;

/// <summary>Registers AI workers on an orchestrator in one call.</summary>
public static class OrchestratorAIExtensions
{
    /// <summary>Registers a chat worker (see <see cref="ChatWorker.Create"/>).</summary>
    public static Orchestrator RegisterChatWorker(this Orchestrator orchestrator, WorkerType workerType, string name, IChatClient chatClient, string instructions, ChatWorkerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(orchestrator);
        return orchestrator.RegisterWorker(ChatWorker.Create(workerType, name, chatClient, instructions, options));
    }

    /// <summary>Registers a chat worker whose answer must be a <typeparamref name="TOutput"/>.</summary>
    public static Orchestrator RegisterChatWorker<TOutput>(this Orchestrator orchestrator, WorkerType workerType, string name, IChatClient chatClient, string instructions, ChatWorkerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(orchestrator);
        return orchestrator.RegisterWorker(ChatWorker.Create<TOutput>(workerType, name, chatClient, instructions, options));
    }

    /// <summary>Registers an agent worker (see <see cref="AgentWorker.Create"/>).</summary>
    public static Orchestrator RegisterAgentWorker(this Orchestrator orchestrator, WorkerType workerType, string name, AIAgent agent, string message = "{{input}}", PriceTable? prices = null)
    {
        ArgumentNullException.ThrowIfNull(orchestrator);
        return orchestrator.RegisterWorker(AgentWorker.Create(workerType, name, agent, message, prices));
    }
}
