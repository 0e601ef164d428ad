using System.Net.Http.Json;
using System.Text.Json;
using Keel.Server.Tests.Infrastructure;

namespace Keel.Server.Tests.OpenApi;

/// <summary>The events a stream sends are what the served OpenAPI document says they are, field by field.</summary>
public sealed class EventSchemaTests
{
    [Fact]
    public async Task EveryEventOfARun_HasTheFieldsItsSchemaNames_AndNoOther()
    {
        await using var fixture = await ServerFixture.StartAsync(o => o.Configure = orchestrator =>
        {
            TestWorkflows.Register(orchestrator);
            var fan = new WorkflowDefinition("fan", goal: "g");
            fan.AddStep(WorkflowStep.Parallel("fan", [new Branch("a", TestWorkflows.Writer), new Branch("b", TestWorkflows.Publisher)]), isInitial: true);
            orchestrator.RegisterWorkflow(fan);
        });
        using var client = fixture.Client();
        using var document = JsonDocument.Parse(await client.GetStringAsync("/openapi/v1.json"));
        var schemas = document.RootElement.GetProperty("components").GetProperty("schemas");

        var review = (await ServerFixture.ReadJsonAsync(await client.PostAsJsonAsync("/v1/runs", new { workflow = TestWorkflows.Review, goal = "g" }))).GetProperty("id").GetString()!;
        await ServerFixture.WaitForStateAsync(client, review, "waiting_for_approval");
        await client.PostAsJsonAsync($"/v1/approvals/{review}/sign_off/approve", new { by = "ada", comment = "fine" });
        var fan = (await ServerFixture.ReadJsonAsync(await client.PostAsJsonAsync("/v1/runs", new { workflow = "fan" }))).GetProperty("id").GetString()!;

        var types = new HashSet<string>(StringComparer.Ordinal);
        foreach (var id in new[] { review, fan })
        {
            foreach (var e in await SseClient.ReadAllAsync(client, $"/v1/runs/{id}/events"))
            {
                var type = e.Data.GetProperty("type").GetString()!;
                types.Add(type);
                var name = "RunEvent" + string.Concat(type.Split('_').Select(w => char.ToUpperInvariant(w[0]) + w[1..]));
                Assert.True(schemas.TryGetProperty(name, out var schema), $"no schema {name} for event {e.Data}");
                Conforms(schemas, schema, e.Data, name);
            }
        }

        Assert.True(types.IsSupersetOf(new HashSet<string> { "run_created", "attempt_started", "attempt_recorded", "run_parked", "decision_recorded", "run_ended" }), string.Join(", ", types));
    }

    [Fact]
    public async Task Document_NamesTheApiKey_AndTheProblemsEveryRouteMayAnswer()
    {
        await using var fixture = await ServerFixture.StartAsync();
        using var client = fixture.Client();
        using var document = JsonDocument.Parse(await client.GetStringAsync("/openapi/v1.json"));
        var root = document.RootElement;

        var scheme = root.GetProperty("components").GetProperty("securitySchemes").GetProperty("ApiKey");
        Assert.Equal("apiKey", scheme.GetProperty("type").GetString());
        Assert.Equal("header", scheme.GetProperty("in").GetString());
        Assert.Equal("X-Api-Key", scheme.GetProperty("name").GetString());
        foreach (var path in root.GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject())
            {
                var responses = operation.Value.GetProperty("responses");
                var expected = operation.Name == "get" ? new[] { "401" } : ["401", "403", "413", "415"];
                foreach (var status in expected)
                {
                    Assert.True(responses.TryGetProperty(status, out _), $"{operation.Name} {path.Name} does not declare {status}");
                }
            }
        }
    }

    private static void Conforms(JsonElement schemas, JsonElement schema, JsonElement value, string where)
    {
        if (schema.TryGetProperty("$ref", out var reference))
        {
            schema = schemas.GetProperty(reference.GetString()!.Split('/')[^1]);
        }

        if (value.ValueKind != JsonValueKind.Object || !schema.TryGetProperty("properties", out var properties))
        {
            return;
        }

        foreach (var field in value.EnumerateObject())
        {
            Assert.True(properties.TryGetProperty(field.Name, out var inner), $"{where}: field '{field.Name}' is not in its schema (fields: {string.Join(", ", properties.EnumerateObject().Select(p => p.Name))})");
            Conforms(schemas, inner, field.Value, $"{where}.{field.Name}");
        }

        if (schema.TryGetProperty("required", out var required))
        {
            foreach (var name in required.EnumerateArray())
            {
                Assert.True(value.TryGetProperty(name.GetString()!, out _), $"{where}: required field '{name}' is missing from {value}");
            }
        }
    }
}
