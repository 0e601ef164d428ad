using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Keel.AI;

/// <summary>
/// A planner that asks a chat model (any <see cref="IChatClient"/>) for a workflow definition in Keel's own
/// JSON format, using only the registered worker types (its allowlist). Keel validates each proposal and
/// sends the problems back for repair, at most <see cref="PlanPolicy.MaxRepairs"/> times, then fails closed
/// with <see cref="PlanRejectedException"/> listing every remaining problem. The goal reaches the model as
/// a quoted JSON string, marked as data; the plan's goal is set from the request, never from the answer.
/// </summary>
public sealed class LlmPlanner : IPlanner
{
    private readonly IChatClient _client;
    private readonly LlmPlannerOptions _options;

    /// <summary>A planner asking <paramref name="chatClient"/> for plans; <paramref name="options"/> defaults to <see cref="LlmPlannerOptions"/>'s defaults.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="chatClient"/> is null.</exception>
    public LlmPlanner(IChatClient chatClient, LlmPlannerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(chatClient);
        _client = chatClient;
        _options = options ?? new LlmPlannerOptions();
        var model = _options.Model ?? chatClient.GetService<ChatClientMetadata>()?.DefaultModelId ?? "default";
        Fingerprint = $"llm:{model}:{Sha256(PlannerPrompt.Version + "\n" + _options.Guidance)[..16]}";
    }

    /// <inheritdoc />
    public string Name => "llm";

    /// <inheritdoc />
    public string Fingerprint { get; }

    /// <inheritdoc />
    public async Task<PlanDraft> PlanAsync(PlanningRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var instructions = PlannerPrompt.Instructions(request, _options.Guidance);
        var goalMessage = PlannerPrompt.GoalMessage(request.Goal);
        var promptHash = Sha256(instructions + "\n" + goalMessage);
        var messages = new List<ChatMessage> { new(ChatRole.System, instructions), new(ChatRole.User, goalMessage) };
        var proposals = new List<PlanProposal>();
        string? model = _options.Model;
        IReadOnlyList<ValidationProblem> problems = [];
        var rounds = Math.Max(0, request.Policy.MaxRepairs) + 1;
        for (var number = 1; number <= rounds; number++)
        {
            var response = await _client.GetResponseAsync(messages, Options(), cancellationToken).ConfigureAwait(false);
            model = response.ModelId ?? model;
            var text = response.Text ?? string.Empty;
            var definition = ProposalReader.Read(text, out var readProblems);
            if (definition is not null)
            {
                definition.Goal = request.Goal;
                problems = [.. readProblems, .. request.Validate(definition).Problems];
            }
            else
            {
                problems = readProblems;
            }

            proposals.Add(new PlanProposal(number, text, problems.Select(p => p.ToString()).ToArray()));
            if (definition is not null && problems.Count == 0)
            {
                return new PlanDraft(definition, Record(model, promptHash, proposals, $"proposed by model '{model ?? "unknown"}' in {number} proposal(s), {number - 1} repair(s)"));
            }

            messages.Add(new ChatMessage(ChatRole.Assistant, text));
            messages.Add(new ChatMessage(ChatRole.User, PlannerPrompt.Repair(problems)));
        }

        var record = Record(model, promptHash, proposals, $"model '{model ?? "unknown"}' made {rounds} proposal(s), none valid");
        throw new PlanRejectedException(request.Goal, $"the model's proposal still has problems after {rounds - 1} repair(s)", problems, record);
    }

    private PlanningRecord Record(string? model, string promptHash, List<PlanProposal> proposals, string explanation) => new()
    {
        Planner = Name,
        Fingerprint = Fingerprint,
        Model = model,
        PromptHash = promptHash,
        Explanation = explanation,
        Proposals = proposals.ToArray(),
    };

    private ChatOptions Options()
    {
        var options = new ChatOptions
        {
            ModelId = _options.Model,
            Temperature = _options.Temperature,
            MaxOutputTokens = _options.MaxOutputTokens,
            ResponseFormat = ChatResponseFormat.Json,
        };
        _options.ConfigureOptions?.Invoke(options);
        return options;
    }

    private static string Sha256(string text) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
