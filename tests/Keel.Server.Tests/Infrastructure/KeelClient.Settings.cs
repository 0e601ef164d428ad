using System.Text.Json;
using System.Text.Json.Serialization;

namespace Keel.Server.Tests.Generated;

/// <summary>The generated client reads the API's enums (snake_case strings) as strings.</summary>
public partial class KeelClient
{
    static partial void UpdateJsonSerializerSettings(JsonSerializerOptions settings)
        => settings.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower));
}
