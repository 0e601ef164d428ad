namespace Keel.Server.Events;

/// <summary>The server's store: the configured one, raising <see cref="RunChanges"/> after each write it passes on.</summary>
internal sealed class NotifyingRunStore(IRunStore inner, RunChanges changes) : DelegatingRunStore(inner)
{
    public override async ValueTask CreateRunAsync(RunRecord run, IReadOnlyList<HistoryEntry> history, CancellationToken cancellationToken)
    {
        await Inner.CreateRunAsync(run, history, cancellationToken).ConfigureAwait(false);
        changes.Raise();
    }

    public override async ValueTask CommitAsync(Checkpoint checkpoint, CancellationToken cancellationToken)
    {
        await Inner.CommitAsync(checkpoint, cancellationToken).ConfigureAwait(false);
        changes.Raise();
    }
}
