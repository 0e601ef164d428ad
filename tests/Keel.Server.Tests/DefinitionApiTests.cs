using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Keel.Server.Tests.Infrastructure;

namespace Keel.Server.Tests;

/// <summary>Posted definitions: a name the API's paths cannot carry is refused, and a problem is keyed by its step and field.</summary>
public sealed class DefinitionApiTests
{
    private static string Posted(string name, string onSuccess = "complete")
        => JsonSerializer.Serialize(new { name, goal = "g", initial_step = "a", steps = new[] { new { id = "a", worker = "writer", on_success = onSuccess } } });

    [Theory]
    [InlineData("team/website", "must not contain '/'")]
    [InlineData("tab\tname", "control characters")]
    [InlineData(null, "at most 200 are accepted")]
    public async Task Store_NameTheApiCannotCarry_Is422OnContentName_AndNothingIsRegistered(string? name, string message)
    {
        name ??= new string('w', 201);
        await using var fixture = await ServerFixture.StartAsync();
        using var client = fixture.Client();

        foreach (var path in new[] { "/v1/definitions/validate", "/v1/definitions" })
        {
            var response = await client.PostAsJsonAsync(path, new { content = Posted(name), format = "json" });

            Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
            var errors = (await ServerFixture.ReadJsonAsync(response)).GetProperty("errors");
            Assert.Contains(message, errors.GetProperty("content.name")[0].GetString(), StringComparison.Ordinal);
        }

        var workflows = await client.GetFromJsonAsync<JsonElement>("/v1/workflows");
        Assert.DoesNotContain(workflows.EnumerateArray(), w => w.GetProperty("name").GetString() == name);
    }

    [Fact]
    public async Task Store_StepProblem_IsKeyedByTheStepAndField()
    {
        await using var fixture = await ServerFixture.StartAsync();
        using var client = fixture.Client();

        var response = await client.PostAsJsonAsync("/v1/definitions", new { content = Posted("posted", onSuccess: "nowhere"), format = "json" });

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var errors = (await ServerFixture.ReadJsonAsync(response)).GetProperty("errors");
        Assert.True(errors.TryGetProperty("content.steps[a].on_success", out _), errors.ToString());
    }

    [Fact]
    public async Task Store_ContentThatIsNotADefinition_IsKeyedContent()
    {
        await using var fixture = await ServerFixture.StartAsync();
        using var client = fixture.Client();

        var response = await client.PostAsJsonAsync("/v1/definitions", new { content = "{ not json", format = "json" });

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var errors = (await ServerFixture.ReadJsonAsync(response)).GetProperty("errors");
        Assert.True(errors.TryGetProperty("content", out _), errors.ToString());
        Assert.False(errors.TryGetProperty("content.content", out _), errors.ToString());
    }
}
