using System.Text.RegularExpressions;

namespace Keel.AI;

/// <summary>Removes secrets from text: the configured keys, bearer tokens and key-shaped strings.</summary>
internal sealed partial class SecretRedactor(IEnumerable<string?> secrets)
{
    public const string Mask = "[redacted]";

    private readonly string[] _secrets = secrets.Where(s => !string.IsNullOrEmpty(s)).Select(s => s!).OrderByDescending(s => s.Length).ToArray();

    public string Redact(string text)
    {
        foreach (var secret in _secrets)
        {
            text = text.Replace(secret, Mask, StringComparison.Ordinal);
        }

        text = BearerPattern().Replace(text, "Bearer " + Mask);
        return KeyPattern().Replace(text, Mask);
    }

    [GeneratedRegex(@"Bearer\s+[A-Za-z0-9._~+/=-]{8,}", RegexOptions.CultureInvariant)]
    private static partial Regex BearerPattern();

    [GeneratedRegex(@"\bsk-[A-Za-z0-9_-]{8,}", RegexOptions.CultureInvariant)]
    private static partial Regex KeyPattern();
}
