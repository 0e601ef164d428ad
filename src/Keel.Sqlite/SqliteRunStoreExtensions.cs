using Microsoft.Extensions.DependencyInjection;

namespace Keel;

/// <summary>Chooses the SQLite run store: <c>new OrchestratorOptions().UseSqlite("keel.db")</c> or <c>services.AddKeel(k => k.UseSqlite("keel.db"))</c>.</summary>
public static class SqliteRunStoreExtensions
{
    /// <summary>Records runs in the SQLite file at <paramref name="path"/> (created when missing).</summary>
    public static OrchestratorOptions UseSqlite(this OrchestratorOptions options, string path, Action<SqliteRunStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.RunStore = new SqliteRunStore(Build(path, configure));
        return options;
    }

    /// <summary>Records runs in the SQLite database <paramref name="storeOptions"/> names.</summary>
    public static OrchestratorOptions UseSqlite(this OrchestratorOptions options, SqliteRunStoreOptions storeOptions)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.RunStore = new SqliteRunStore(storeOptions);
        return options;
    }

    /// <summary>Registers a singleton <see cref="SqliteRunStore"/> over the file at <paramref name="path"/> as the <see cref="IRunStore"/>.</summary>
    public static KeelBuilder UseSqlite(this KeelBuilder builder, string path, Action<SqliteRunStoreOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var storeOptions = Build(path, configure);
        builder.Services.AddSingleton<IRunStore>(_ => new SqliteRunStore(storeOptions));
        return builder;
    }

    private static SqliteRunStoreOptions Build(string path, Action<SqliteRunStoreOptions>? configure)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var storeOptions = new SqliteRunStoreOptions { Path = path };
        configure?.Invoke(storeOptions);
        return storeOptions;
    }
}
