namespace Keel.Demo;

/// <summary>The reviewer found the page does not meet the spec. <see cref="Problems"/> lists every problem.</summary>
public sealed class ReviewFailedException : KeelException
{
    public ReviewFailedException(IReadOnlyList<string> problems)
        : base("the page does not meet the spec: " + string.Join("; ", problems))
    {
        Problems = problems;
    }

    public IReadOnlyList<string> Problems { get; }
}
