using Microsoft.Data.Sqlite;

namespace Keel.Sqlite.Rows;

/// <summary>Sets parameters of the writer's reused commands in place (each use of a command sets every parameter it names).</summary>
internal static class Parameters
{
    public static void Set(this SqliteParameterCollection parameters, string name, object value)
    {
        var index = parameters.IndexOf(name);
        if (index >= 0)
        {
            parameters[index].Value = value;
        }
        else
        {
            parameters.AddWithValue(name, value);
        }
    }
}
