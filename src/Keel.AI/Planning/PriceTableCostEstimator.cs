namespace Keel.AI;

/// <summary>
/// Estimates a plan's cost as prices times expected tokens: each attempt of a step is expected to use the
/// tokens given for its worker type (else the defaults) on its model, priced by a <see cref="PriceTable"/>.
/// </summary>
public sealed class PriceTableCostEstimator : IPlanCostEstimator
{
    private readonly PriceTable _prices;
    private readonly Dictionary<WorkerType, (string? Model, long Input, long Output)> _workers = [];

    /// <summary>Every attempt of every step: <paramref name="model"/>, <paramref name="inputTokens"/> in, <paramref name="outputTokens"/> out.</summary>
    public PriceTableCostEstimator(PriceTable prices, string model, long inputTokens = 2_000, long outputTokens = 1_000)
    {
        ArgumentNullException.ThrowIfNull(prices);
        ArgumentException.ThrowIfNullOrWhiteSpace(model);
        ArgumentOutOfRangeException.ThrowIfNegative(inputTokens);
        ArgumentOutOfRangeException.ThrowIfNegative(outputTokens);
        _prices = prices;
        Model = model;
        InputTokens = inputTokens;
        OutputTokens = outputTokens;
    }

    /// <summary>The model priced for every worker type without its own estimate.</summary>
    public string Model { get; }

    /// <summary>Input tokens expected per attempt of a worker type without its own estimate (default 2,000).</summary>
    public long InputTokens { get; }

    /// <summary>Output tokens expected per attempt of a worker type without its own estimate (default 1,000).</summary>
    public long OutputTokens { get; }

    /// <summary>
    /// What an attempt of <paramref name="workerType"/> is expected to use (a null model keeps the default;
    /// zero tokens for a worker that calls no model). Returns the estimator so calls chain.
    /// </summary>
    public PriceTableCostEstimator ForWorker(WorkerType workerType, long inputTokens, long outputTokens, string? model = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(inputTokens);
        ArgumentOutOfRangeException.ThrowIfNegative(outputTokens);
        _workers[workerType] = (model, inputTokens, outputTokens);
        return this;
    }

    /// <inheritdoc />
    public StepCostEstimate EstimateAttempt(WorkflowStep step)
    {
        ArgumentNullException.ThrowIfNull(step);
        var (model, input, output) = _workers.TryGetValue(step.WorkerType, out var own) ? (own.Model ?? Model, own.Input, own.Output) : (Model, InputTokens, OutputTokens);
        return new StepCostEstimate(step.StepId, model, input, output, _prices.Cost(model, input, output));
    }
}
