namespace Keel.AI;

/// <summary>
/// Prices per model, per million input and output tokens, in any one currency. A model id matches its
/// own entry, else the longest entry it starts with ("gpt-4o-mini-2024-07-18" matches "gpt-4o-mini").
/// Ids compare case-insensitively.
/// </summary>
public sealed class PriceTable
{
    private readonly Dictionary<string, ModelPrice> _prices = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Adds or replaces the price of <paramref name="model"/>; returns the table so calls chain.</summary>
    public PriceTable Add(string model, decimal inputPerMillion, decimal outputPerMillion)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(model);
        ArgumentOutOfRangeException.ThrowIfNegative(inputPerMillion);
        ArgumentOutOfRangeException.ThrowIfNegative(outputPerMillion);
        _prices[model] = new ModelPrice(inputPerMillion, outputPerMillion);
        return this;
    }

    /// <summary>The price that applies to <paramref name="model"/>, or null when the table has none.</summary>
    public ModelPrice? Find(string? model)
    {
        if (string.IsNullOrEmpty(model))
        {
            return null;
        }

        if (_prices.TryGetValue(model, out var exact))
        {
            return exact;
        }

        ModelPrice? best = null;
        var bestLength = 0;
        foreach (var (prefix, price) in _prices)
        {
            if (prefix.Length > bestLength && model.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                best = price;
                bestLength = prefix.Length;
            }
        }

        return best;
    }

    /// <summary>The cost of a call, or null when the model has no price.</summary>
    public decimal? Cost(string? model, long inputTokens, long outputTokens)
        => Find(model) is { } price
            ? (inputTokens * price.InputPerMillion + outputTokens * price.OutputPerMillion) / 1_000_000m
            : null;
}

/// <summary>A model's price per million input and output tokens.</summary>
public sealed record ModelPrice(decimal InputPerMillion, decimal OutputPerMillion);
