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

    [Theory]
    [InlineData("postgres://keel:" + Secret + "@127.0.0.1:notaport/keel", "the port 'notaport' is not a number")]
    [InlineData("postgres://keel:" + Secret + "@127.0.0.1:0/keel", "the port '0' is not a number from 1 to 65535")]
    [InlineData("postgres://", "it names no host")]
    [InlineData("postgresql://keel:" + Secret + "@:5432/keel", "it names no host before the port")]
    [InlineData("Host=;Database=keel", "it names no Host")]
    public void Parse_UriWithABadPortOrNoHost_NamesTheProblem_NeverThePassword(string address, string problem)
    {
        var error = Assert.Throws<KeelException>(() => PostgresConnection.Parse(address));

        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, error.Message, StringComparison.Ordinal);
        Assert.Contains(problem, Assert.Throws<KeelException>(() => PostgresRunStore.Open(address)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WithoutPassword_KeepsTheOtherParameters_SoASuggestedCommandConnectsTheSameWay()
    {
        var shown = PostgresAddress.WithoutPassword($"postgres://keel:{Secret}@db.example:6543/keel_runs?sslmode=require&application_name=my%20workers&sslpassword={Secret}");

        Assert.Equal("postgres://keel@db.example:6543/keel_runs?sslmode=Require&application_name=my%20workers", shown);
        var again = PostgresConnection.Parse(shown);
        Assert.Equal((Npgsql.SslMode.Require, "my workers", (string?)null), (again.SslMode, again.ApplicationName, again.Password));
        Assert.Equal("postgres://u@db:5433/d?connect_timeout=7", PostgresAddress.WithoutPassword($"Host=db;Port=5433;Username=u;Password={Secret};Database=d;Timeout=7"));
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
