namespace Keel.Tests.Fakes;

/// <summary>A one-shot signal between a worker and a test, with a hang guard so a broken run fails instead of hanging.</summary>
public sealed class Signal
{
    private readonly TaskCompletionSource _source = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool IsSet => _source.Task.IsCompleted;

    public void Set() => _source.TrySetResult();

    public Task WaitAsync() => _source.Task.WaitAsync(TimeSpan.FromSeconds(10));

    public Task Task => _source.Task;
}
