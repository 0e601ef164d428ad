namespace Keel;

/// <summary>
/// A deterministic planner: picks the catalog template whose keywords the goal's words match most (ties go
/// to the template listed first), fills it with the goal, and says why (which template, which words).
/// The same goal and catalog always give the same plan; a goal that matches no template is rejected.
/// </summary>
public sealed class CatalogPlanner : IPlanner
{
    /// <summary>A planner over <see cref="PlanTemplate.Defaults"/>.</summary>
    public CatalogPlanner()
        : this(PlanTemplate.Defaults)
    {
    }

    /// <summary>A planner over <paramref name="templates"/>, tried in order.</summary>
    /// <exception cref="ArgumentException">There is no template, or two share a name.</exception>
    public CatalogPlanner(IEnumerable<PlanTemplate> templates)
    {
        ArgumentNullException.ThrowIfNull(templates);
        Templates = templates.ToArray();
        if (Templates.Count == 0)
        {
            throw new ArgumentException("A catalog planner needs at least one template.", nameof(templates));
        }

        var duplicate = Templates.GroupBy(t => t.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new ArgumentException($"Template '{duplicate.Key}' is listed twice.", nameof(templates));
        }

        Fingerprint = "catalog:" + GoalText.Sha256(string.Join('\n', Templates.Select(t => t.Name + ":" + WorkflowDefinitionJson.Serialize(t.Build()) + ":" + string.Join(',', t.Keywords))))[..16];
    }

    /// <summary>The templates the planner chooses from, in order of preference on a tie.</summary>
    public IReadOnlyList<PlanTemplate> Templates { get; }

    /// <inheritdoc />
    public string Name => "catalog";

    /// <inheritdoc />
    public string Fingerprint { get; }

    /// <summary>The best template for <paramref name="goal"/> and the words that matched, or null when none matches.</summary>
    public (PlanTemplate Template, IReadOnlyList<string> Matched)? Match(string goal)
    {
        var words = GoalText.Words(goal);
        var stems = words.Select(GoalText.Stem).ToArray();
        var text = " " + string.Join(' ', stems) + " ";
        PlanTemplate? best = null;
        IReadOnlyList<string> bestMatched = [];
        foreach (var template in Templates)
        {
            var matched = new List<string>();
            foreach (var keyword in template.Keywords)
            {
                var stemmed = string.Join(' ', keyword.Split(' ').Select(GoalText.Stem));
                if (text.Contains(" " + stemmed + " ", StringComparison.Ordinal))
                {
                    matched.Add(keyword);
                }
            }

            if (matched.Count > bestMatched.Count)
            {
                best = template;
                bestMatched = matched;
            }
        }

        return best is null ? null : (best, bestMatched);
    }

    /// <inheritdoc />
    public Task<PlanDraft> PlanAsync(PlanningRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var goal = request.Goal;
        if (Match(goal) is not var (template, matched))
        {
            var known = string.Join("; ", Templates.Select(t => $"{t.Name} ({string.Join(", ", t.Keywords)})"));
            throw new PlanRejectedException(goal, $"no template of the catalog matches its words (templates and their keywords: {known})", []);
        }

        var definition = Fill(template.Build(), goal);
        var text = WorkflowDefinitionJson.Serialize(definition);
        var report = request.Validate(definition);
        var planning = new PlanningRecord
        {
            Planner = Name,
            Fingerprint = Fingerprint,
            Template = template.Name,
            MatchedWords = matched,
            Explanation = $"template '{template.Name}' ({template.Description}): the goal's words matched {string.Join(", ", matched.Select(m => $"'{m}'"))}",
            Proposals = [new PlanProposal(1, text, report.Problems.Select(p => p.ToString()).ToArray())],
        };
        if (!report.IsValid)
        {
            throw new PlanRejectedException(goal, $"template '{template.Name}' does not validate against the registered workers and the policy", report.Problems, planning);
        }

        return Task.FromResult(new PlanDraft(definition, planning));
    }

    /// <summary>The template's definition with the goal as its goal (the name and steps stay the template's).</summary>
    internal static WorkflowDefinition Fill(WorkflowDefinition template, string goal)
    {
        var filled = template.Clone();
        filled.Goal = goal;
        return filled;
    }
}
