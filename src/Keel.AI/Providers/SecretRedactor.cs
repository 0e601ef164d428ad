using System.Text.RegularExpressions;

namespace Keel.AI;

/// <summary>Removes secrets from text: the configured keys, bearer tokens and key-shaped strings.</summary>
internal sealed partial class SecretRedactor(IEnumerable<string?> secrets)
{
    public const string Mask = "[redacted]";

    private readonly string[] _secrets = secrets.Where(s => !string.IsNullOrEmpty(s)).Select(s => s!).OrderByDescending(s => s.Length).ToArray();

    /// <summary>The URL as it may be shown: user name and password (<c>user:PASSWORD@</c>) replaced by the mask.</summary>
    public static string Url(Uri uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        if (!uri.IsAbsoluteUri || uri.UserInfo.Length == 0)
        {
            return uri.ToString();
        }

        return $"{uri.Scheme}://{Mask}@{uri.Authority}{uri.PathAndQuery}{uri.Fragment}";
    }

    /// <summary>The secrets a URL carries in its user information (the raw and the decoded text), for <see cref="SecretRedactor"/>.</summary>
    public static IEnumerable<string?> SecretsOf(Uri? uri)
    {
        if (uri is not { IsAbsoluteUri: true } || uri.UserInfo.Length == 0)
        {
            yield break;
        }

        yield return uri.UserInfo;
        yield return Uri.UnescapeDataString(uri.UserInfo);
        var colon = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
        if (colon >= 0 && colon < uri.UserInfo.Length - 1)
        {
            yield return uri.UserInfo[(colon + 1)..];
            yield return Uri.UnescapeDataString(uri.UserInfo[(colon + 1)..]);
        }
    }

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
