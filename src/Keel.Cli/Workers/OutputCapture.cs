using System.Text;

namespace Keel.Cli.Workers;

/// <summary>
/// Reads a process's output stream into memory as it comes. <see cref="Text"/> is what was read so far, so a
/// caller can stop waiting once the process exited even when another process still holds the pipe open.
/// At most <c>limit</c> characters are kept: the first ones (<see cref="Overflowed"/> is then set and the rest
/// is read and dropped, so the process never blocks on a full pipe), or with <c>keepTail</c> the last ones.
/// </summary>
internal sealed class OutputCapture
{
    private readonly StringBuilder _text = new();
    private readonly Lock _gate = new();
    private readonly Task _pump;
    private readonly int _limit;
    private readonly bool _keepTail;

    public OutputCapture(StreamReader reader, int limit, bool keepTail = false)
    {
        _limit = limit;
        _keepTail = keepTail;
        _pump = PumpAsync(reader);
    }

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

    /// <summary>True when the stream held more than the limit (without <c>keepTail</c>): <see cref="Text"/> is its start.</summary>
    public bool Overflowed { get; private set; }

    /// <summary>True when the stream held bytes that are not UTF-8 (with a decoder that throws on them): reading stopped there.</summary>
    public bool NotUtf8 { get; private set; }

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
                    Append(buffer, read);
                }
            }
        }
        catch (DecoderFallbackException)
        {
            // The rest is read and dropped, so the process does not block on a full pipe.
            NotUtf8 = true;
            await DropRestAsync(reader).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException)
        {
            // The process was disposed while a background child still held the pipe: keep what was read.
        }
    }

    private static async Task DropRestAsync(StreamReader reader)
    {
        try
        {
            await reader.BaseStream.CopyToAsync(Stream.Null).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException)
        {
            // As above: what was read is all there is.
        }
    }

    private void Append(char[] buffer, int read)
    {
        if (_keepTail)
        {
            _text.Append(buffer, 0, read);
            if (_text.Length > 2 * _limit)
            {
                _text.Remove(0, _text.Length - _limit);
            }
        }
        else if (_text.Length + read <= _limit)
        {
            _text.Append(buffer, 0, read);
        }
        else
        {
            Overflowed = true;
        }
    }
}
