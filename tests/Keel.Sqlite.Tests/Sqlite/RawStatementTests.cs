using Keel.Sqlite.Writing;
using Microsoft.Data.Sqlite;

namespace Keel.Sqlite.Tests.Sqlite;

/// <summary>A statement skips binding a value its parameter already holds, and binds every other one.</summary>
public sealed class RawStatementTests
{
    [Fact]
    public void Bind_SequenceOfRepeatedAndChangedValues_EveryStepSeesTheLastValueBound()
    {
        using var connection = new SqliteConnection("Data Source=:memory:");
        connection.Open();
        using var statement = new RawStatement(connection.Handle!, "SELECT typeof(?1), CAST(?1 AS TEXT);");
        var seen = new List<string>();
        void Read()
        {
            Assert.True(statement.Step());
            seen.Add($"{statement.Text(0)}:{statement.Text(1)}");
            statement.Reset();
        }

        var same = new string('a', 3);
        foreach (var bind in new Action[]
        {
            () => statement.Bind(1, "aaa"),
            () => statement.Bind(1, same),
            () => statement.Bind(1, (string?)null),
            () => statement.Bind(1, (string?)null),
            () => statement.Bind(1, 5L),
            () => statement.Bind(1, 5L),
            () => statement.Bind(1, (long?)null),
            () => statement.Bind(1, 5L),
            () => statement.Bind(1, "5"),
            () => statement.Bind(1, 6L),
            () => statement.Bind(1, "b"),
        })
        {
            bind();
            Read();
        }

        Assert.Equal(
            ["text:aaa", "text:aaa", "null:", "null:", "integer:5", "integer:5", "null:", "integer:5", "text:5", "integer:6", "text:b"],
            seen);
    }
}
