using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Keel;

/// <summary>Chooses the SQLite plan store: <c>services.AddKeel(k => k.UseSqlitePlans("keel.db").AddPlanning())</c>.</summary>
public static class SqlitePlanStoreExtensions
{
    /// <summary>Keeps frozen plans in the SQLite file at <paramref name="path"/> (it may be the run store's file).</summary>
    public static KeelBuilder UseSqlitePlans(this KeelBuilder builder, string path)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        builder.Services.RemoveAll<IPlanStore>();
        builder.Services.AddSingleton<IPlanStore>(_ => new SqlitePlanStore(path));
        return builder;
    }
}
