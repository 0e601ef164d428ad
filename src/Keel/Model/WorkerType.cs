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

    /// <summary>A worker type named <paramref name="value"/>, trimmed and lower-cased (the recorded form).</summary>
    /// <exception cref="ArgumentException"><paramref name="value"/> is null, empty or white space.</exception>
    public WorkerType(string value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(value);
        _value = value.Trim().ToLowerInvariant();
    }

    /// <summary>The stable string id, as recorded in histories and files.</summary>
    public string Value => _value ?? string.Empty;

    /// <c>product_manager</c>: turns a goal into a specification.
    public static WorkerType ProductManager { get; } = new("product_manager");
    /// <c>coder</c>: writes code from a specification.
    public static WorkerType Coder { get; } = new("coder");
    /// <c>reviewer</c>: checks work and accepts or rejects it.
    public static WorkerType Reviewer { get; } = new("reviewer");
    /// <c>tester</c>: runs tests against the work.
    public static WorkerType Tester { get; } = new("tester");
    /// <c>deployer</c>: ships the work.
    public static WorkerType Deployer { get; } = new("deployer");

    /// <summary>True for the default value, which names no worker type.</summary>
    public bool IsEmpty => string.IsNullOrEmpty(_value);

    /// <summary>The worker type named <paramref name="value"/>, so a string can stand where a type is expected.</summary>
    public static implicit operator WorkerType(string value) => new(value);

    /// <summary>True when both have the same recorded name (so case never matters).</summary>
    public bool Equals(WorkerType other) => string.Equals(Value, other.Value, StringComparison.Ordinal);

    /// <summary>True when <paramref name="obj"/> is a <see cref="WorkerType"/> with the same name.</summary>
    public override bool Equals(object? obj) => obj is WorkerType other && Equals(other);

    /// <summary>A hash of the name, consistent with <see cref="Equals(WorkerType)"/>.</summary>
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Value);

    /// <summary>The type's name, as recorded (<c>product_manager</c>).</summary>
    public override string ToString() => Value;

    /// <summary>True when both name the same type.</summary>
    public static bool operator ==(WorkerType left, WorkerType right) => left.Equals(right);

    /// <summary>True when the types' names differ.</summary>
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
