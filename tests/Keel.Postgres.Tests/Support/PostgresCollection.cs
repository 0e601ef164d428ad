namespace Keel.Postgres.Tests.Support;

/// <summary>Every test class that needs the cluster joins this collection: one server for the whole assembly.</summary>
[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresServer>
{
    public const string Name = "PostgreSQL";
}
