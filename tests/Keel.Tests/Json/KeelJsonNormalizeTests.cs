using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Keel.Tests.Json;

/// <summary>
/// Strings, booleans and parsed text are normalised without a serializer round trip; the recorded text must
/// stay byte for byte what <see cref="JsonSerializer"/> writes with <see cref="KeelJson.Options"/>.
/// </summary>
public sealed class KeelJsonNormalizeTests
{
    private static string Serialized(object? value) => JsonSerializer.SerializeToElement(value, KeelJson.Options).GetRawText();

    [Fact]
    public void Normalize_EveryUtf16CodeUnit_WritesWhatTheSerializerWrites()
    {
        for (var c = 0; c <= char.MaxValue; c++)
        {
            var text = "a" + (char)c + "z";
            var element = KeelJson.Normalize(text);

            Assert.Equal(Serialized(text), element.GetRawText());
            if (!char.IsSurrogate((char)c))
            {
                Assert.Equal(text, element.GetString());
            }
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("plain ascii, with spaces | and bars")]
    [InlineData("quote \" backslash \\ slash /")]
    [InlineData("html <b>&amp;</b> 'single' +plus `tick`")]
    [InlineData("tab\tnewline\ncarriage\r")]
    [InlineData("caf\u00e9 \u65e5\u672c \ud83d\ude00")]
    [InlineData("lone \ud800 surrogate")]
    public void Normalize_String_WritesWhatTheSerializerWrites(string text)
    {
        var element = KeelJson.Normalize(text);

        Assert.Equal(JsonValueKind.String, element.ValueKind);
        Assert.Equal(Serialized(text), element.GetRawText());
    }

    [Fact]
    public void Normalize_LongAsciiString_IsRecordedWhole()
    {
        var text = new string('x', 10_000) + "<end>";

        Assert.Equal(Serialized(text), KeelJson.Normalize(text).GetRawText());
        Assert.Equal(text, KeelJson.Normalize(text).GetString());
    }

    [Fact]
    public void Normalize_Booleans_AreTheJsonLiterals()
    {
        Assert.Equal(JsonValueKind.True, KeelJson.Normalize(true).ValueKind);
        Assert.Equal(JsonValueKind.False, KeelJson.Normalize(false).ValueKind);
        Assert.Equal("true", KeelJson.Normalize(true).GetRawText());
        Assert.Equal("false", KeelJson.Normalize((object)false).GetRawText());
    }

    [Fact]
    public void Parse_ReturnsADetachedElement_AndRejectsBadText()
    {
        var element = KeelJson.Parse("{\"a\":[1,2]}");

        Assert.Equal(2, element.GetProperty("a")[1].GetInt32());
        Assert.ThrowsAny<JsonException>(() => KeelJson.Parse("{\"a\":"));
    }

    [Property(MaxTest = 500)]
    public Property Normalize_AnyString_WritesWhatTheSerializerWrites()
        => Prop.ForAll(
            ArbMap.Default.ArbFor<string>().Filter(s => s is not null),
            text => Serialized(text) == KeelJson.Normalize(text).GetRawText());
}
