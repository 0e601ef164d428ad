using System.Security.Cryptography;
using System.Text;

namespace Keel.Server.Security;

/// <summary>
/// Finds the key a presented secret belongs to, in constant time: both sides are hashed (SHA-256) to equal
/// lengths and compared with <see cref="CryptographicOperations.FixedTimeEquals"/>, and every key is
/// compared whatever matched, so neither the length nor the position of a match shows in the timing.
/// </summary>
internal sealed class ApiKeyCheck
{
    private readonly (ApiKey Key, byte[] Digest)[] _keys;

    public ApiKeyCheck(IEnumerable<ApiKey> keys)
    {
        _keys = keys.Select(k => (k, Digest(k.Secret))).ToArray();
        var names = _keys.GroupBy(k => k.Key.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (names is not null)
        {
            throw new KeelException($"API key name '{names.Key}' is used by more than one key; each key needs its own name.");
        }

        // One secret, one key: the same secret under two names would act with the wider scope of the two.
        var shared = _keys.GroupBy(k => Convert.ToHexString(k.Digest), StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (shared is not null)
        {
            throw new KeelException($"API keys {string.Join(" and ", shared.Select(k => $"'{k.Key.Name}'"))} have the same secret; each key needs its own (a shared one acts with the widest scope of its keys).");
        }
    }

    public bool HasKeys => _keys.Length > 0;

    public ApiKey? Find(string presented)
    {
        var digest = Digest(presented);
        ApiKey? found = null;
        foreach (var (key, expected) in _keys)
        {
            if (CryptographicOperations.FixedTimeEquals(digest, expected))
            {
                found = key;
            }
        }

        return found;
    }

    private static byte[] Digest(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));
}
