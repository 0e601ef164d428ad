using Keel.Postgres.Tests.Support;

namespace Keel.Postgres.Tests.Postgres;

[Collection(PostgresCollection.Name)]
public sealed class PostgresConnectionTests(PostgresServer server)
{
    private const string Secret = "s3cr3t-Pa55word";

    [Fact]
    public void Parse_Uri_ReadsUserPasswordHostPortDatabaseAndParameters()
    {
        var builder = PostgresConnection.Parse("postgresql://keel%40corp:p%3Ass@db.example:6543/keel_runs?sslmode=require&application_name=workers");

        Assert.Equal(("keel@corp", "p:ss", "db.example", 6543, "keel_runs"), (builder.Username, builder.Password, builder.Host, builder.Port, builder.Database));
        Assert.Equal(Npgsql.SslMode.Require, builder.SslMode);
        Assert.Equal("workers", builder.ApplicationName);
    }

    [Fact]
    public void Parse_KeywordString_IsTakenAsIs()
    {
        var builder = PostgresConnection.Parse("Host=db;Port=5433;Username=u;Password=p;Database=d");
        Assert.Equal(("db", 5433, "u", "p", "d"), (builder.Host, builder.Port, builder.Username, builder.Password, builder.Database));
    }

    [Fact]
    public void Parse_BadString_NamesTheProblemWithoutThePassword()
    {
        var error = Assert.Throws<KeelException>(() => PostgresConnection.Parse($"Host=db;Password={Secret};Bogus Keyword=1"));
        Assert.Contains("not valid", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Store_WrongPassword_FailsNamingTheServerNeverThePassword()
    {
        // The test cluster trusts every login: a role whose password is checked needs md5/scram, so point at
        // a port where nothing listens instead, and check the password is absent from everything we show.
        var connection = $"postgres://keel:{Secret}@127.0.0.1:1/keel";
        await using var store = PostgresRunStore.Open(connection);

        var error = await Assert.ThrowsAsync<RunStoreException>(async () => await store.GetRunAsync("x", default));

        Assert.Contains("127.0.0.1:1/keel", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, store.DataSource, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Store_OverAUri_Works()
    {
        var uri = $"postgres://{PostgresServer.SuperUser}:{Secret}@127.0.0.1:{server.Port}/postgres";
        await using var store = new PostgresRunStore(new PostgresRunStoreOptions { ConnectionString = uri, Schema = PostgresServer.NewSchema() });

        Assert.Null(await store.GetRunAsync("x", default));
        Assert.DoesNotContain(Secret, store.DataSource, StringComparison.Ordinal);
    }
}
