namespace Keel.Server.Http;

/// <summary>Collects field problems of one request; the field is its JSON path (<c>goal</c>, <c>data.count</c>).</summary>
internal sealed class FieldErrors
{
    /// <summary>The longest text field accepted (a goal, a reason), in characters.</summary>
    public const int MaxText = 16 * 1024;

    /// <summary>The longest name accepted (a workflow, a step, a person), in characters.</summary>
    public const int MaxName = 200;

    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public bool Any => _errors.Count > 0;

    public void Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var list))
        {
            _errors[field] = list = [];
        }

        list.Add(message);
    }

    public void Required(string field, string? value, int max = MaxName)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            Add(field, "is required");
        }
        else
        {
            Length(field, value, max);
        }
    }

    public void Length(string field, string? value, int max = MaxText)
    {
        if (value is not null && value.Length > max)
        {
            Add(field, $"is {value.Length} characters; at most {max} are accepted");
        }
    }

    public void Range(string field, int? value, int min, int max)
    {
        if (value is { } v && (v < min || v > max))
        {
            Add(field, $"must be between {min} and {max}, got {v}");
        }
    }

    public Dictionary<string, string[]> ToDictionary() => _errors.ToDictionary(p => p.Key, p => p.Value.ToArray(), StringComparer.Ordinal);
}
