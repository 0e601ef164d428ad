using System.Collections;
using System.Text.Json;

namespace Keel;

/// <summary>
/// The shared data of a run. A value is normalised to JSON the moment it is set, so what a later step
/// reads is what a resumed run would read. Read values back typed with <see cref="Get{T}"/>.
/// </summary>
public sealed class DataBus : IEnumerable<KeyValuePair<string, JsonElement>>
{
    private Dictionary<string, JsonElement>? _values;

    internal DataBus()
    {
    }

    internal DataBus(IReadOnlyDictionary<string, JsonElement>? values)
    {
        if (values is { Count: > 0 })
        {
            _values = new Dictionary<string, JsonElement>(values, StringComparer.Ordinal);
        }
    }

    /// <summary>Incremented by every change; the hub checkpoints the bus only when it changed.</summary>
    internal int Version { get; private set; }

    /// <summary>How many keys the bus holds.</summary>
    public int Count => _values?.Count ?? 0;

    /// <summary>The keys the bus holds, in no particular order.</summary>
    public IEnumerable<string> Keys => _values?.Keys ?? Enumerable.Empty<string>();

    /// <summary>Gets a value (a <see cref="JsonElement"/>, or null when absent) or sets one (normalised to JSON).</summary>
    public object? this[string key]
    {
        get => TryGetValue(key, out var value) ? value : null;
        set => Set(key, value);
    }

    /// <summary>Stores <paramref name="value"/> under <paramref name="key"/>, normalised to JSON at once (later changes to the object are not seen), replacing any value there.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is null.</exception>
    public void Set(string key, object? value)
    {
        ArgumentNullException.ThrowIfNull(key);
        (_values ??= new Dictionary<string, JsonElement>(StringComparer.Ordinal))[key] = KeelJson.Normalize(value);
        Version++;
    }

    /// <summary>Removes <paramref name="key"/>; false when it was not there.</summary>
    public bool Remove(string key)
    {
        if (_values is not null && _values.Remove(key))
        {
            Version++;
            return true;
        }

        return false;
    }

    /// <summary>True when the bus holds <paramref name="key"/> (keys compare ordinally).</summary>
    public bool ContainsKey(string key) => _values?.ContainsKey(key) ?? false;

    /// <summary>The JSON value stored under <paramref name="key"/>; false (and a default element) when absent.</summary>
    public bool TryGetValue(string key, out JsonElement value)
    {
        if (_values is not null && _values.TryGetValue(key, out value))
        {
            return true;
        }

        value = default;
        return false;
    }

    /// <summary>The value as <typeparamref name="T"/>, or <paramref name="defaultValue"/> when absent.</summary>
    public T? Get<T>(string key, T? defaultValue = default)
        => TryGetValue(key, out var value) ? KeelJson.Deserialize<T>(value) : defaultValue;

    /// <summary>A copy of the current values (immutable elements, so the copy is safe to hand to a store).</summary>
    public IReadOnlyDictionary<string, JsonElement> Snapshot()
        => _values is null ? EmptyValues : new Dictionary<string, JsonElement>(_values, StringComparer.Ordinal);

    /// <summary>Enumerates the keys and their JSON values.</summary>
    public IEnumerator<KeyValuePair<string, JsonElement>> GetEnumerator()
        => (_values ?? EmptyValues).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private static readonly Dictionary<string, JsonElement> EmptyValues = new(StringComparer.Ordinal);
}
