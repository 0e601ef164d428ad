namespace Keel.Server;

/// <summary>What a key may do.</summary>
public enum ApiKeyScope
{
    /// <summary>GET only: runs, definitions, events, approvals, usage.</summary>
    ReadOnly,
    /// <summary>Everything: start, cancel, pause, resume, fork, decide approvals, store definitions.</summary>
    Operator,
}

/// <summary>
/// An API key: a name (recorded as who acted, shown in logs) and a secret (never shown anywhere).
/// Parse one from <c>name:scope:secret</c> with <see cref="Parse"/>.
/// </summary>
public sealed class ApiKey
{
    /// <summary>The shortest secret accepted, in characters.</summary>
    public const int MinimumSecretLength = 16;

    /// <summary>A key named <paramref name="name"/> with <paramref name="secret"/> and what it may do.</summary>
    /// <exception cref="ArgumentException"><paramref name="name"/> is null, empty or white space.</exception>
    /// <exception cref="KeelException"><paramref name="secret"/> is shorter than <see cref="MinimumSecretLength"/> (the message never holds it).</exception>
    public ApiKey(string name, string secret, ApiKeyScope scope)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(secret);
        if (secret.Length < MinimumSecretLength)
        {
            throw new KeelException($"API key '{name}': the secret is {secret.Length} characters; at least {MinimumSecretLength} are needed.");
        }

        Name = name;
        Secret = secret;
        Scope = scope;
    }

    /// <summary>Who uses the key (recorded as the actor of decisions and cancels made with it).</summary>
    public string Name { get; }

    /// <summary>The secret itself.</summary>
    public string Secret { get; }

    /// <summary>What the key may do: read only, or operate.</summary>
    public ApiKeyScope Scope { get; }

    /// <summary>Parses <c>name:scope:secret</c> (scope <c>read</c> or <c>operator</c>); the message of a bad one never contains the secret.</summary>
    public static ApiKey Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Trim().Split(':', 3);
        if (parts.Length != 3 || parts[0].Length == 0)
        {
            throw new KeelException("An API key must be written name:scope:secret (scope 'read' or 'operator').");
        }

        var scope = parts[1].ToLowerInvariant() switch
        {
            "read" or "readonly" or "read-only" => ApiKeyScope.ReadOnly,
            "operator" or "op" => ApiKeyScope.Operator,
            _ => throw new KeelException($"API key '{parts[0]}': unknown scope '{parts[1]}' (expected 'read' or 'operator')."),
        };
        return new ApiKey(parts[0], parts[2], scope);
    }

    /// <summary>The key's name and scope; never the secret.</summary>
    public override string ToString() => $"{Name} ({(Scope == ApiKeyScope.Operator ? "operator" : "read")})";
}
