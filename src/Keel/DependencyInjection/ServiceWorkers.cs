using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Schema;
using Microsoft.Extensions.DependencyInjection;

namespace Keel;

/// <summary>Builds worker definitions over <see cref="IWorker{TInput, TOutput}"/> classes resolved per attempt.</summary>
[RequiresUnreferencedCode("Builds workers by reflection over their classes' input and output types.")]
[RequiresDynamicCode("Builds workers by reflection over their classes' input and output types.")]
internal static class ServiceWorkers
{
    private static readonly JsonSchemaExporterOptions SchemaOptions = new() { TreatNullObliviousAsNonNullable = true };

    /// <summary>Keel's serializer options, reading constructor parameters as required: a record's schema lists its properties as required.</summary>
    private static readonly JsonSerializerOptions SchemaSerializer = CreateSchemaSerializer();

    private static readonly MethodInfo CreateMethod = typeof(ServiceWorkers).GetMethod(nameof(Create), BindingFlags.NonPublic | BindingFlags.Static)!;

    /// <summary>The (input, output) types of the one <see cref="IWorker{TInput, TOutput}"/> that <paramref name="workerClass"/> implements.</summary>
    public static (Type Input, Type Output) WorkerTypes(Type workerClass)
    {
        var interfaces = workerClass.GetInterfaces().Where(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IWorker<,>)).ToArray();
        return interfaces.Length switch
        {
            1 => (interfaces[0].GetGenericArguments()[0], interfaces[0].GetGenericArguments()[1]),
            0 => throw new ArgumentException($"'{workerClass.Name}' does not implement IWorker<TInput, TOutput>.", nameof(workerClass)),
            _ => throw new ArgumentException($"'{workerClass.Name}' implements IWorker<TInput, TOutput> more than once; register one worker class per interface.", nameof(workerClass)),
        };
    }

    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "The generic arguments are the worker's own input and output types, known when it is registered.")]
    public static WorkerDefinition Definition(Type workerClass, IServiceProvider services, WorkerType workerType, string? name, string? description)
    {
        var (input, output) = WorkerTypes(workerClass);
        return (WorkerDefinition)CreateMethod.MakeGenericMethod(workerClass, input, output).Invoke(null, [services, workerType, name, description])!;
    }

    /// <summary>The JSON schema of <paramref name="type"/> as Keel serialises it.</summary>
    public static JsonElement SchemaOf(Type type)
        => KeelJson.Normalize(SchemaSerializer.GetJsonSchemaAsNode(type, SchemaOptions));

    private static JsonSerializerOptions CreateSchemaSerializer()
    {
        var options = new JsonSerializerOptions(KeelJson.Options) { RespectRequiredConstructorParameters = true, RespectNullableAnnotations = true };
        options.MakeReadOnly();
        return options;
    }

    private static WorkerDefinition Create<TWorker, TInput, TOutput>(IServiceProvider services, WorkerType workerType, string? name, string? description)
        where TWorker : class, IWorker<TInput, TOutput>
    {
        var scopes = services.GetRequiredService<IServiceScopeFactory>();
        return new WorkerDefinition(
            workerType,
            name ?? typeof(TWorker).Name,
            description ?? typeof(TWorker).GetCustomAttribute<DescriptionAttribute>()?.Description ?? string.Empty,
            async (input, context, cancellationToken) =>
            {
                var scope = scopes.CreateAsyncScope();
                await using (scope.ConfigureAwait(false))
                {
                    var worker = scope.ServiceProvider.GetRequiredService<TWorker>();
                    var typed = KeelJson.Deserialize<TInput>(input);
                    return await worker.ExecuteAsync(typed!, context, cancellationToken).ConfigureAwait(false);
                }
            })
        {
            InputSchema = SchemaOf(typeof(TInput)),
            OutputSchema = SchemaOf(typeof(TOutput)),
        };
    }
}
