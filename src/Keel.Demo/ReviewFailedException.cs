namespace Keel.Demo;

/// <summary>The reviewer found the page does not meet the spec. <see cref="Problems"/> lists every problem.</summary>
public sealed class ReviewFailedException : KeelException
{
    /// <summary>Says the page fails the spec for each of <paramref name="problems"/>.</summary>
    public ReviewFailedException(IReadOnlyList<string> problems)
        : base("the page does not meet the spec: " + string.Join("; ", problems))
    {
        Problems = problems;
    }

    /// <summary>Every way the page fails the spec, one a line.</summary>
    public IReadOnlyList<string> Problems { get; }
}
