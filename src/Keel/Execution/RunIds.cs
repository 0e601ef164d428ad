using System.Security.Cryptography;

namespace Keel;

/// <summary>
/// Default run ids: random (version 4) GUIDs as 32 hex digits, as <c>Guid.NewGuid().ToString("N")</c>
/// writes them. The random bytes come from the cryptographic generator sixty-four ids at a time into a buffer
/// per thread: one call to the generator where <see cref="Guid.NewGuid"/> makes a system call for every id.
/// </summary>
internal static class RunIds
{
    private const int IdsPerFill = 64;

    [ThreadStatic]
    private static byte[]? t_random;

    [ThreadStatic]
    private static int t_next;

    public static string New()
    {
        var random = t_random;
        if (random is null || t_next == IdsPerFill)
        {
            random ??= t_random = new byte[16 * IdsPerFill];
            RandomNumberGenerator.Fill(random);
            t_next = 0;
        }

        Span<byte> bytes = stackalloc byte[16];
        random.AsSpan(t_next * 16, 16).CopyTo(bytes);
        random.AsSpan(t_next * 16, 16).Clear();
        t_next++;

        // Version 4 and the RFC 4122 variant, as Guid.NewGuid sets them.
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x40);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes).ToString("N");
    }
}
