using System.Security.Cryptography;
using System.Text;

namespace Keel;

/// <summary>Goal text as data: its key (how plans are found again) and its words (how templates match).</summary>
public static class GoalText
{
    /// <summary>Lower case, words separated by one space, no punctuation at the ends.</summary>
    public static string Key(string goal) => string.Join(' ', Words(goal));

    /// <summary>The goal's words, lower case, in order (letters and digits; everything else separates).</summary>
    public static IReadOnlyList<string> Words(string goal)
    {
        var words = new List<string>();
        var current = new StringBuilder();
        foreach (var c in goal ?? string.Empty)
        {
            if (char.IsLetterOrDigit(c))
            {
                current.Append(char.ToLowerInvariant(c));
            }
            else if (current.Length > 0)
            {
                words.Add(current.ToString());
                current.Clear();
            }
        }

        if (current.Length > 0)
        {
            words.Add(current.ToString());
        }

        return words;
    }

    /// <summary>A word without a plural 's' (websites → website), for matching.</summary>
    public static string Stem(string word)
        => word.Length > 3 && word.EndsWith('s') && !word.EndsWith("ss", StringComparison.Ordinal) ? word[..^1] : word;

    /// <summary>How alike two goals are: shared stemmed words over all their words (0 to 1).</summary>
    public static double Similarity(string a, string b)
    {
        var left = Words(a).Where(w => !StopWords.Contains(w)).Select(Stem).ToHashSet(StringComparer.Ordinal);
        var right = Words(b).Where(w => !StopWords.Contains(w)).Select(Stem).ToHashSet(StringComparer.Ordinal);
        if (left.Count == 0 || right.Count == 0)
        {
            return 0;
        }

        var shared = left.Count(right.Contains);
        return (double)shared / (left.Count + right.Count - shared);
    }

    /// <summary>Words that say nothing of what a goal is about.</summary>
    private static readonly HashSet<string> StopWords = new(StringComparer.Ordinal)
    {
        "a", "an", "the", "and", "or", "of", "for", "to", "in", "on", "with", "by", "at", "from", "my", "our", "your", "me", "us", "it", "is", "be", "that", "this",
    };

    /// <summary>The SHA-256 of <paramref name="text"/>'s UTF-8 bytes, as 64 lower-case hex digits.</summary>
    public static string Sha256(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
