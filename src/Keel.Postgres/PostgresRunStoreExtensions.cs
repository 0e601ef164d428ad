using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Keel;

/// <summary>
/// Chooses the PostgreSQL run store: <c>new OrchestratorOptions().UsePostgres("Host=db;...")</c> or
/// <c>services.AddKeel(k => k.UsePostgres("postgres://keel@db/keel"))</c>.
/// </summary>
public static class PostgresRunStoreExtensions
{
    /// <summary>Records runs in the PostgreSQL database <paramref name="connectionString"/> names (an Npgsql connection string or a <c>postgres://</c> URI).</summary>
    public static OrchestratorOptions UsePostgres(this OrchestratorOptions options, string connectionString, Action<PostgresRunStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.RunStore = new PostgresRunStore(Build(connectionString, configure));
        return options;
    }

    /// <summary>Records runs in the PostgreSQL database <paramref name="storeOptions"/> names.</summary>
    public static OrchestratorOptions UsePostgres(this OrchestratorOptions options, PostgresRunStoreOptions storeOptions)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.RunStore = new PostgresRunStore(storeOptions);
        return options;
    }

    /// <summary>Registers a singleton <see cref="PostgresRunStore"/> over <paramref name="connectionString"/> as the <see cref="IRunStore"/>.</summary>
    public static KeelBuilder UsePostgres(this KeelBuilder builder, string connectionString, Action<PostgresRunStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var storeOptions = Build(connectionString, configure);
        builder.Services.AddSingleton<PostgresRunStore>(_ => new PostgresRunStore(storeOptions));
        builder.Services.AddSingleton<IRunStore>(sp => sp.GetRequiredService<PostgresRunStore>());
        return builder;
    }

    /// <summary>
    /// Keeps frozen plans in the schema of the <see cref="PostgresRunStore"/> registered by <see cref="UsePostgres(KeelBuilder, string, Action{PostgresRunStoreOptions}?)"/>
    /// (call that first): <c>services.AddKeel(k => k.UsePostgres("postgres://keel@db/keel").UsePostgresPlans().AddPlanning())</c>.
    /// </summary>
    public static KeelBuilder UsePostgresPlans(this KeelBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.RemoveAll<IPlanStore>();
        builder.Services.AddSingleton<IPlanStore>(sp => new PostgresPlanStore(sp.GetService<PostgresRunStore>()
            ?? throw new InvalidOperationException("UsePostgresPlans() keeps plans beside a PostgreSQL run store: call UsePostgres(...) first.")));
        return builder;
    }

    private static PostgresRunStoreOptions Build(string connectionString, Action<PostgresRunStoreOptions>? configure)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var storeOptions = new PostgresRunStoreOptions { ConnectionString = connectionString };
        configure?.Invoke(storeOptions);
        return storeOptions;
    }
}
