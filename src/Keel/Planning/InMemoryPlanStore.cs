namespace Keel;

/// <summary>A plan store in memory, for library use and tests. Thread-safe.</summary>
public sealed class InMemoryPlanStore : IPlanStore
{
    private readonly Lock _gate = new();
    private readonly List<Plan> _plans = [];

    /// <inheritdoc />
    public ValueTask<Plan> SaveAsync(Plan plan, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        lock (_gate)
        {
            var existing = _plans.Find(p => p.Hash == plan.Hash);
            if (existing is not null)
            {
                return ValueTask.FromResult(existing);
            }

            var frozen = plan.Freeze();
            _plans.Add(frozen);
            return ValueTask.FromResult(frozen);
        }
    }

    /// <inheritdoc />
    public ValueTask<Plan?> GetAsync(string hash, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(hash);
        lock (_gate)
        {
            return ValueTask.FromResult(PlanHashes.Pick(_plans.Where(p => PlanHashes.Matches(p.Hash, hash)).ToArray(), hash));
        }
    }

    /// <inheritdoc />
    public ValueTask<Plan?> FindAsync(string goal, string fingerprint, CancellationToken cancellationToken = default)
    {
        var key = GoalText.Key(goal);
        lock (_gate)
        {
            return ValueTask.FromResult(Newest().FirstOrDefault(p => GoalText.Key(p.Goal) == key && p.Planning.Fingerprint == fingerprint));
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<Plan>> ListAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return ValueTask.FromResult<IReadOnlyList<Plan>>(Newest().ToArray());
        }
    }

    /// <summary>Newest first: by creation time, then the later stored.</summary>
    private IEnumerable<Plan> Newest() => _plans.Select((plan, index) => (plan, index)).OrderByDescending(p => p.plan.CreatedAt).ThenByDescending(p => p.index).Select(p => p.plan);

    /// <inheritdoc />
    public ValueTask<Plan> ApproveAsync(string hash, PlanApproval approval, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(approval);
        lock (_gate)
        {
            var index = _plans.FindIndex(p => p.Hash == hash);
            if (index < 0)
            {
                throw new KeelException($"No stored plan has hash '{hash}'.");
            }

            if (_plans[index].Approval is null)
            {
                _plans[index] = _plans[index].WithApproval(approval);
            }

            return ValueTask.FromResult(_plans[index]);
        }
    }
}

/// <summary>Plan lookup by a full hash or a unique prefix.</summary>
public static class PlanHashes
{
    /// <summary>The shortest hash prefix that names a plan.</summary>
    public const int MinimumPrefix = 8;

    /// <summary>True when <paramref name="query"/> is <paramref name="hash"/> or a prefix of it at least <see cref="MinimumPrefix"/> long.</summary>
    public static bool Matches(string hash, string query)
        => query.Length >= MinimumPrefix && hash.StartsWith(query.ToLowerInvariant(), StringComparison.Ordinal);

    /// <summary>The one plan among <paramref name="candidates"/>, null when none; throws when the prefix names several.</summary>
    public static Plan? Pick(IReadOnlyList<Plan> candidates, string query) => candidates.Count switch
    {
        0 => null,
        1 => candidates[0],
        _ => throw new KeelException($"The hash prefix '{query}' names {candidates.Count} plans; give more characters."),
    };
}
