using System.Text;

namespace Keel.Cli.Workers;

/// <summary>
/// Reads a process's output stream into memory as it comes. <see cref="Text"/> is what was read so far, so a
/// caller can stop waiting once the process exited even when another process still holds the pipe open.
/// </summary>
internal sealed class OutputCapture
{
    private readonly StringBuilder _text = new();
    private readonly Lock _gate = new();
    private readonly Task _pump;

    public OutputCapture(StreamReader reader) => _pump = PumpAsync(reader);

    /// <summary>What was read so far.</summary>
    public string Text
    {
        get
        {
            lock (_gate)
            {
                return _text.ToString();
            }
        }
    }

    /// <summary>Waits until both streams reached their end, or <paramref name="drain"/> passed.</summary>
    public static Task DrainAsync(OutputCapture first, OutputCapture second, TimeSpan drain)
        => Task.WhenAny(Task.WhenAll(first._pump, second._pump), Task.Delay(drain));

    private async Task PumpAsync(StreamReader reader)
    {
        var buffer = new char[4096];
        try
        {
            int read;
            while ((read = await reader.ReadAsync(buffer.AsMemory(), CancellationToken.None).ConfigureAwait(false)) > 0)
            {
                lock (_gate)
                {
                    _text.Append(buffer, 0, read);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException)
        {
            // The process was disposed while a background child still held the pipe: keep what was read.
        }
    }
}
