using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Keel;

/// <summary>
/// Tolerant reading of values recorded before Keel's dialect named fields in snake_case: each property
/// whose snake_case name differs from its camelCase one also reads from the camelCase name (never written).
/// A property named by <see cref="JsonPropertyNameAttribute"/> keeps only that name. A required property of
/// a user's type gets no second name, so a value missing it still fails with the field named; Keel's own
/// records, which Keel alone writes, read either name (positional ones included: they are built from
/// their setters). A property of a user's type bound to a constructor parameter (a positional
/// record's) reads only its snake_case name.
/// </summary>
[RequiresUnreferencedCode("Reads members and constructors of the serialized types by reflection.")]
[RequiresDynamicCode("Creates property metadata at run time.")]
internal static class EarlierNames
{
    private static readonly Assembly Core = typeof(EarlierNames).Assembly;

    public static void Add(JsonTypeInfo typeInfo)
    {
        if (typeInfo.Kind != JsonTypeInfoKind.Object || typeInfo.Properties.Count == 0)
        {
            return;
        }

        var keels = IsKeels(typeInfo.Type);
        var parameters = ConstructorParameters(typeInfo.Type);
        if (keels && typeInfo.CreateObject is null && parameters.Count > 0 && typeInfo.Properties.Where(p => p.AttributeProvider is MemberInfo m && parameters.Contains(m.Name)).All(p => p.Set is not null))
        {
            // Keel's positional records: built from their properties' setters, so each reads either name.
            var type = typeInfo.Type;
            typeInfo.CreateObject = () => System.Runtime.CompilerServices.RuntimeHelpers.GetUninitializedObject(type);
            parameters.Clear();
        }
        List<JsonPropertyInfo>? aliases = null;
        foreach (var property in typeInfo.Properties)
        {
            if (property.Set is null || property.AttributeProvider is not MemberInfo member
                || member.IsDefined(typeof(JsonPropertyNameAttribute), inherit: true)
                || (property.IsRequired && !keels)
                || parameters.Contains(member.Name))
            {
                continue;
            }

            var earlier = JsonNamingPolicy.CamelCase.ConvertName(member.Name);
            if (string.Equals(earlier, property.Name, StringComparison.OrdinalIgnoreCase) || typeInfo.Properties.Any(p => string.Equals(p.Name, earlier, StringComparison.OrdinalIgnoreCase)))
            {
                continue;
            }

            var alias = typeInfo.CreateJsonPropertyInfo(property.PropertyType, earlier);
            alias.Set = property.Set;
            alias.CustomConverter = property.CustomConverter;
            alias.NumberHandling = property.NumberHandling;
            property.IsRequired = false;
            (aliases ??= []).Add(alias);
        }

        if (aliases is not null)
        {
            foreach (var alias in aliases)
            {
                typeInfo.Properties.Add(alias);
            }
        }
    }

    /// <summary>
    /// Names of the public constructors' parameters: a property bound to one is matched to JSON by the
    /// parameter's name, so a second name would bind it twice (System.Text.Json refuses that).
    /// </summary>
    private static HashSet<string> ConstructorParameters(Type type)
    {
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var constructor in type.GetConstructors())
        {
            foreach (var parameter in constructor.GetParameters())
            {
                if (parameter.Name is { } name)
                {
                    names.Add(name);
                }
            }
        }

        return names;
    }

    /// <summary>Keel's own packages: their records are written by Keel alone.</summary>
    private static readonly HashSet<string> KeelAssemblies = new(StringComparer.Ordinal)
    {
        "Keel", "Keel.AI", "Keel.Cli", "Keel.Demo", "Keel.Postgres", "Keel.Server", "Keel.Sqlite", "Keel.Testing", "Keel.Workflows",
    };

    private static bool IsKeels(Type type)
        => type.Assembly == Core || KeelAssemblies.Contains(type.Assembly.GetName().Name ?? string.Empty);
}
