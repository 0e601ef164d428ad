using Npgsql;
using NpgsqlTypes;

namespace Keel.Postgres.Rows;

/// <summary>Positional parameters with their PostgreSQL type set, so a NULL still has a type the server can plan with.</summary>
internal static class Parameters
{
    public static NpgsqlCommand With(this NpgsqlCommand command, string? value)
        => command.Add(NpgsqlDbType.Text, value);

    public static NpgsqlCommand With(this NpgsqlCommand command, long? value)
        => command.Add(NpgsqlDbType.Bigint, value);

    public static NpgsqlCommand With(this NpgsqlCommand command, int? value)
        => command.Add(NpgsqlDbType.Integer, value);

    public static NpgsqlCommand With(this NpgsqlCommand command, decimal? value)
        => command.Add(NpgsqlDbType.Numeric, value);

    public static NpgsqlCommand With(this NpgsqlCommand command, bool value)
        => command.Add(NpgsqlDbType.Boolean, value);

    public static NpgsqlCommand WithArray(this NpgsqlCommand command, string[] values)
        => command.Add(NpgsqlDbType.Array | NpgsqlDbType.Text, values);

    private static NpgsqlCommand Add(this NpgsqlCommand command, NpgsqlDbType type, object? value)
    {
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = type, Value = value ?? DBNull.Value });
        return command;
    }
}
