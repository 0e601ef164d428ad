using System.Text.Json;
using System.Text.Json.Serialization;

namespace Keel;

/// <summary>
/// The kind of a worker: an open set of names. The built-in ones are static properties;
/// users add their own with <c>new WorkerType("data_scientist")</c> or a plain string.
/// Comparison is case-insensitive; the recorded form is the lower-case invariant name.
/// </summary>
[JsonConverter(typeof(WorkerTypeJsonConverter))]
public readonly struct WorkerType : IEquatable<WorkerType>
{
    private readonly string? _value;

    public WorkerType(string value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(value);
        _value = value.Trim().ToLowerInvariant();
    }

    /// <summary>The stable string id, as recorded in histories and files.</summary>
    public string Value => _value ?? string.Empty;

    public static WorkerType ProductManager { get; } = new("product_manager");
    public static WorkerType Coder { get; } = new("coder");
    public static WorkerType Reviewer { get; } = new("reviewer");
    public static WorkerType Tester { get; } = new("tester");
    public static WorkerType Deployer { get; } = new("deployer");

    /// <summary>
    /// The worker type recorded for a sub-workflow step's attempts (their worker name is the child run's id).
    /// Reserved: no worker can be registered for it.
    /// </summary>
    public static WorkerType Workflow { get; } = new("workflow");

    /// <summary>True for the default value, which names no worker type.</summary>
    public bool IsEmpty => string.IsNullOrEmpty(_value);

    public static implicit operator WorkerType(string value) => new(value);

    public bool Equals(WorkerType other) => string.Equals(Value, other.Value, StringComparison.Ordinal);

    public override bool Equals(object? obj) => obj is WorkerType other && Equals(other);

    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Value);

    public override string ToString() => Value;

    public static bool operator ==(WorkerType left, WorkerType right) => left.Equals(right);

    public static bool operator !=(WorkerType left, WorkerType right) => !left.Equals(right);
}

internal sealed class WorkerTypeJsonConverter : JsonConverter<WorkerType>
{
    public override WorkerType Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.GetString();
        return string.IsNullOrWhiteSpace(text) ? default : new WorkerType(text);
    }

    public override void Write(Utf8JsonWriter writer, WorkerType value, JsonSerializerOptions options)
        => writer.WriteStringValue(value.Value);
}
