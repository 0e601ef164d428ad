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

    /// <summary>The file naming, per workflow, the version registered last (the folder's other files are versions).</summary>
    private const string RegisteredFile = "registered.index";

    private readonly Dictionary<string, string> _registered = new(StringComparer.Ordinal);

    /// <summary>Records that <paramref name="hash"/> is now the registered version of workflow <paramref name="name"/>, so a restart registers it again.</summary>
    public void MarkRegistered(string name, string hash)
    {
        lock (_registered)
        {
            _registered[name] = hash;
            if (folder is null)
            {
                return;
            }

            Directory.CreateDirectory(folder);
            var path = Path.Combine(folder, RegisteredFile);
            var temp = path + ".tmp";
            File.WriteAllLines(temp, _registered.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Value + " " + p.Key));
            File.Move(temp, path, overwrite: true);
        }
    }

    /// <summary>
    /// Reads the folder's versions back (files that do not parse are skipped and named), and registers again, per
    /// workflow, the version registered last, unless <paramref name="keep"/> says the workflow is registered
    /// already (a file the server was started with is what it runs now). A folder without its index registers
    /// each workflow's newest version.
    /// </summary>
    public IReadOnlyList<string> Load(Action<StoredDefinition> each, Func<string, bool> keep)
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

                _byHash.TryAdd(stored.Hash, stored);
            }
            catch (Exception ex) when (ex is JsonException or IOException or KeelException)
            {
                skipped.Add($"{file}: {ex.Message}");
            }
        }

        var index = Path.Combine(folder, RegisteredFile);
        var last = new Dictionary<string, string>(StringComparer.Ordinal);
        if (File.Exists(index))
        {
            foreach (var line in File.ReadAllLines(index))
            {
                var space = line.IndexOf(' ', StringComparison.Ordinal);
                if (space > 0)
                {
                    last[line[(space + 1)..]] = line[..space];
                }
            }
        }
        else
        {
            foreach (var newest in _byHash.Values.GroupBy(d => d.Name, StringComparer.Ordinal).Select(g => g.MaxBy(d => d.StoredAt)!))
            {
                last[newest.Name] = newest.Hash;
            }
        }

        lock (_registered)
        {
            foreach (var (name, hash) in last)
            {
                _registered.TryAdd(name, hash);
            }
        }

        foreach (var (name, hash) in last.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (keep(name) || !_byHash.TryGetValue(hash, out var stored))
            {
                continue;
            }

            try
            {
                each(stored);
            }
            catch (KeelException ex)
            {
                skipped.Add($"{hash}: {ex.Message}");
            }
        }

        return skipped;
    }
}
