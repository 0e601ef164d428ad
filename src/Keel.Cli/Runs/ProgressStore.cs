namespace Keel.Cli.Runs;

/// <summary>A run store that reports each committed history entry to a <see cref="IRunObserver"/>, then passes everything to the store it wraps.</summary>
internal sealed class ProgressStore(IRunStore inner, IRunObserver observer) : DelegatingRunStore(inner)
{
    public override async ValueTask CommitAsync(Checkpoint checkpoint, CancellationToken cancellationToken)
    {
        await Inner.CommitAsync(checkpoint, cancellationToken).ConfigureAwait(false);
        if (checkpoint.Entry is { } entry)
        {
            observer.Recorded(entry);
        }
    }
}
