using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Keel.Server.Definitions;

/// <summary>A stored definition version: the canonical JSON, its content hash, and the text it was posted as.</summary>
internal sealed record StoredDefinition(string Name, string Hash, string CanonicalJson, string Content, string? Format, DateTimeOffset StoredAt)
{
    /// <summary>The definition, read from <see cref="CanonicalJson"/> (not part of the stored file).</summary>
    [JsonIgnore]
    public WorkflowDefinition Definition => WorkflowDefinitionJson.Deserialize(CanonicalJson);
}

/// <summary>The metadata of a stored definition's file (the serializer's defaults: names as declared), generated at compile time.</summary>
[JsonSerializable(typeof(StoredDefinition))]
internal sealed partial class StoredDefinitionJsonContext : JsonSerializerContext;

/// <summary>
/// Definition versions by content hash. Kept in memory, and in a folder (one JSON file a version) when
/// one is configured, so a restarted server knows them again; the store keeps each run's own copy anyway.
/// </summary>
internal sealed class DefinitionCatalog(string? folder)
{
    private readonly ConcurrentDictionary<string, StoredDefinition> _byHash = new(StringComparer.OrdinalIgnoreCase);

    public IEnumerable<StoredDefinition> All => _byHash.Values.OrderBy(d => d.Name, StringComparer.Ordinal).ThenBy(d => d.StoredAt);

    public StoredDefinition? Find(string hash) => _byHash.GetValueOrDefault(hash);

    public (StoredDefinition Stored, bool Created) Add(WorkflowDefinition definition, string content, string? format, DateTimeOffset now)
    {
        var json = WorkflowDefinitionJson.Serialize(definition);
        var hash = WorkflowDefinitionJson.Hash(json);
        var created = false;
        var stored = _byHash.GetOrAdd(hash, _ =>
        {
            created = true;
            return new StoredDefinition(definition.Name, hash, json, content, format, now);
        });
        if (created && folder is not null)
        {
            Directory.CreateDirectory(folder);
            var path = Path.Combine(folder, hash + ".json");
            var temp = path + ".tmp";
            File.WriteAllText(temp, JsonSerializer.Serialize(stored, StoredDefinitionJsonContext.Default.StoredDefinition));
            File.Move(temp, path, overwrite: true);
        }

        return (stored, created);
    }

    /// <summary>Reads the folder's versions back (files that do not parse are skipped and named).</summary>
    public IReadOnlyList<string> Load(Action<StoredDefinition> each)
    {
        var skipped = new List<string>();
        if (folder is null || !Directory.Exists(folder))
        {
            return skipped;
        }

        foreach (var file in Directory.EnumerateFiles(folder, "*.json").Order(StringComparer.Ordinal))
        {
            try
            {
                var stored = JsonSerializer.Deserialize(File.ReadAllText(file), StoredDefinitionJsonContext.Default.StoredDefinition);
                if (stored is null || !string.Equals(WorkflowDefinitionJson.Hash(stored.CanonicalJson), stored.Hash, StringComparison.OrdinalIgnoreCase))
                {
                    skipped.Add($"{file}: the content does not match its hash");
                    continue;
                }

                _byHash[stored.Hash] = stored;
                each(stored);
            }
            catch (Exception ex) when (ex is JsonException or IOException or KeelException)
            {
                skipped.Add($"{file}: {ex.Message}");
            }
        }

        return skipped;
    }
}
