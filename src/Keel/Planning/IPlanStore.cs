namespace Keel;

/// <summary>
/// Where frozen plans live: by hash, with their provenance and approval. <see cref="InMemoryPlanStore"/>
/// in the core; <c>UseSqlitePlans</c> in Keel.Sqlite.
/// </summary>
public interface IPlanStore
{
    /// <summary>Stores a plan by hash. Storing a hash again keeps the first copy (and its approval) and returns it.</summary>
    ValueTask<Plan> SaveAsync(Plan plan, CancellationToken cancellationToken = default);

    /// <summary>The plan of <paramref name="hash"/> (a full hash or a unique prefix of 8 or more characters), or null.</summary>
    ValueTask<Plan?> GetAsync(string hash, CancellationToken cancellationToken = default);

    /// <summary>The newest plan for <paramref name="goal"/> (compared by its key: lower case, words only) made by a planner of <paramref name="fingerprint"/>, or null.</summary>
    ValueTask<Plan?> FindAsync(string goal, string fingerprint, CancellationToken cancellationToken = default);

    /// <summary>Every stored plan, newest first.</summary>
    ValueTask<IReadOnlyList<Plan>> ListAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Attaches <paramref name="approval"/> to the plan of <paramref name="hash"/>. A plan is approved once:
    /// approving it again returns it with its first approval unchanged. Throws <see cref="KeelException"/> when no plan has the hash.
    /// </summary>
    ValueTask<Plan> ApproveAsync(string hash, PlanApproval approval, CancellationToken cancellationToken = default);
}
