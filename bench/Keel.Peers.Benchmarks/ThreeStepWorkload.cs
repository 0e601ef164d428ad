namespace Keel.Peers.Benchmarks;

/// <summary>
/// The workload every peer runs: three steps in a row (product manager, coder, reviewer), each worker
/// returning its input plus a short string. One run is created, executed and completed per operation, and
/// its final value is checked against <see cref="Expected"/> every time, so no peer is measured doing less.
/// </summary>
public static class ThreeStepWorkload
{
    public const string Goal = "Build a portfolio website";

    public const string ProductManagerSuffix = " | spec";

    public const string CoderSuffix = " | code";

    public const string ReviewerSuffix = " | review";

    /// <summary>What the last worker returns when the three ran in order on <see cref="Goal"/>.</summary>
    public const string Expected = Goal + ProductManagerSuffix + CoderSuffix + ReviewerSuffix;

    public static string ProductManager(string input) => input + ProductManagerSuffix;

    public static string Coder(string input) => input + CoderSuffix;

    public static string Reviewer(string input) => input + ReviewerSuffix;

    /// <summary>Throws unless <paramref name="actual"/> is the workload's final value.</summary>
    public static string Check(string? actual, string peer)
    {
        if (actual is null || !string.Equals(actual, Expected, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"{peer} produced '{actual}' instead of '{Expected}'");
        }

        return actual;
    }
}
