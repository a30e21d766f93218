import Testing
@testable import RobofyText
import TestSupport

@Suite struct TextStyledLineTests {
    @Test func styledLineWidthAndPlainText() {
        let line = StyledLine([Span("ab", .bold), Span("漢字"), Span("👋", [.italic, .link])])
        #expect(line.width == 8)
        #expect(line.plainText == "ab漢字👋")
        #expect(StyledLine().width == 0)
        #expect(StyledLine().plainText == "")
    }

    @Test func attributesAreDistinctFlags() {
        let all: [TextAttributes] = [.bold, .italic, .underline, .dim, .reverse, .code, .link, .heading, .quote]
        #expect(Set(all.map(\.rawValue)).count == all.count)
        var a: TextAttributes = [.bold, .link]
        #expect(a.contains(.bold) && !a.contains(.italic))
        a.insert(.italic)
        #expect(a == [.bold, .italic, .link])
    }
}

@Suite struct TextWrapperTests {
    @Test func sentenceAtWidth10() {
        let lines = Wrapper.wrap("The quick brown fox jumps over the lazy dog", width: 10)
        #expect(lines == ["The quick", "brown fox", "jumps over", "the lazy", "dog"])
    }

    @Test func breakingSpacesAreDropped() {
        #expect(Wrapper.wrap("aaaa     bbbb", width: 6) == ["aaaa", "bbbb"])
        #expect(Wrapper.wrap("aaaa bbbb   ", width: 20) == ["aaaa bbbb"])
        #expect(Wrapper.wrap("a  b", width: 20) == ["a  b"])         // inner spaces kept when no break
        #expect(Wrapper.wrap("  indented text", width: 20) == ["  indented text"])
        #expect(Wrapper.wrap("abc def", width: 3) == ["abc", "def"])
    }

    @Test func hardLineBreaks() {
        #expect(Wrapper.wrap("one\ntwo\n\nthree", width: 20) == ["one", "two", "", "three"])
        #expect(Wrapper.wrap("", width: 5) == [""])
        #expect(Wrapper.wrap("a\n", width: 5) == ["a", ""])
        #expect(Wrapper.wrap("x\r\ny", width: 5) == ["x", "y"])
    }

    @Test func longWordIsHardBroken() {
        let word = String(repeating: "abcdefghij", count: 5)   // 50 characters
        let lines = Wrapper.wrap("see " + word + " ok", width: 12)
        for line in lines { #expect(DisplayWidth.of(line) <= 12) }
        #expect(lines.first == "see")
        #expect(lines.joined() == "see" + word + " ok")
        #expect(lines[1] == "abcdefghijab")
        #expect(lines.count == 6)    // "see", 4 × 12 columns, then "ij" + " ok"
        #expect(lines.last == "ij ok")
    }

    @Test func cjkTextWrapsWithinWidth() {
        let text = "日本語のテキストは空白なしで折り返す必要があります。漢字とかなが混在しています。"
        for width in [1, 2, 3, 5, 10, 11, 20] {
            let lines = Wrapper.wrap(text, width: width)
            for line in lines {
                #expect(DisplayWidth.of(line) <= max(width, 2))
                if width >= 2 { #expect(DisplayWidth.of(line) <= width) }
            }
            #expect(lines.joined() == text)
        }
        // Break opportunities between ideographs: lines are filled.
        let lines = Wrapper.wrap("abc 漢字漢字漢字", width: 8)
        #expect(lines == ["abc 漢字", "漢字漢字"])
        // No break before closing punctuation: "。" stays with the previous character.
        let p = Wrapper.wrap("漢字漢。", width: 6)
        #expect(p == ["漢字", "漢。"])
    }

    @Test func combiningMarksStayWithTheirBase() {
        #expect(Wrapper.wrap("漢\u{301}字", width: 2) == ["漢\u{301}", "字"])
        #expect(Wrapper.wrap("か\u{3099}き", width: 2) == ["か\u{3099}", "き"])
        #expect(Wrapper.wrap("abe\u{301}cd", width: 3) == ["abe\u{301}", "cd"])
        #expect(Wrapper.wrap("x\u{20DD}\u{20DD}y", width: 1) == ["x\u{20DD}\u{20DD}", "y"])
    }

    @Test func wideCharactersNeverOverflow() {
        // 5 columns, "abc" + 漢 would need 5: fits; next 漢 moves.
        #expect(Wrapper.wrap("abc漢漢", width: 5) == ["abc漢", "漢"])
        #expect(Wrapper.wrap("abcd漢", width: 5) == ["abcd", "漢"])
    }

    @Test func emojiAtTheEdgeMovesToNextLine() {
        // "hello👋" is one word of 7 columns at width 6: the emoji must not straddle.
        #expect(Wrapper.wrap("hello👋", width: 6) == ["hello", "👋"])
        #expect(Wrapper.wrap("abcde 👨‍👩‍👧", width: 6) == ["abcde", "👨‍👩‍👧"])
        #expect(Wrapper.wrap("abcd 👍🏽x", width: 6) == ["abcd", "👍🏽x"])
        #expect(Wrapper.wrap("🇫🇷🇫🇷🇫🇷", width: 5) == ["🇫🇷🇫🇷", "🇫🇷"])
    }

    @Test func hangingIndent() {
        let lines = Wrapper.wrap([Span("one two three four five six")], width: 10, hangingIndent: 2)
        let texts = lines.map(\.plainText)
        #expect(texts == ["one two", "  three", "  four", "  five six"])
        for line in lines { #expect(line.width <= 10) }
        // Indent after a hard break too; never more than width - 1.
        #expect(Wrapper.wrap([Span("a\nb")], width: 10, hangingIndent: 3).map(\.plainText) == ["a", "   b"])
        #expect(Wrapper.wrap([Span("abc def")], width: 3, hangingIndent: 10).map(\.plainText) == ["abc", "  d", "  e", "  f"])
        // An indented wide character that would not fit drops the indent rather than overflowing.
        let w = Wrapper.wrap([Span("漢漢")], width: 2, hangingIndent: 1)
        #expect(w.map(\.plainText) == ["漢", "漢"])
    }

    @Test func tinyWidthsTerminate() {
        #expect(Wrapper.wrap("abc", width: 1) == ["a", "b", "c"])
        #expect(Wrapper.wrap("ab cd", width: 0) == ["a", "b", "c", "d"])
        #expect(Wrapper.wrap("ab", width: -5) == ["a", "b"])
        // A width-2 character on a width-1 line gets its own line.
        #expect(Wrapper.wrap("a漢b👋", width: 1) == ["a", "漢", "b", "👋"])
        #expect(Wrapper.wrap("漢字", width: 0) == ["漢", "字"])
        #expect(Wrapper.hardWrap([Span("漢 a")], width: 1).map(\.plainText) == ["漢", " ", "a"])
        // Zero-width-only content.
        #expect(Wrapper.wrap("\u{301}\u{200B}", width: 1).count == 1)
    }

    @Test func attributesPreservedAcrossBreaks() {
        let spans = [Span("plain text ", []), Span("bold words here", .bold), Span(" tail", .italic)]
        let lines = Wrapper.wrap(spans, width: 12)
        #expect(lines == [
            StyledLine([Span("plain text", [])]),
            StyledLine([Span("bold words", .bold)]),
            StyledLine([Span("here", .bold), Span(" tail", .italic)]),
        ])
        // A word made of several spans is kept together and hard-broken with its attributes.
        let mixed = Wrapper.wrap([Span("ab", .bold), Span("cd", .code), Span("ef", .link)], width: 3)
        #expect(mixed == [
            StyledLine([Span("ab", .bold), Span("c", .code)]),
            StyledLine([Span("d", .code), Span("ef", .link)]),
        ])
        // Adjacent spans with equal attributes are merged.
        #expect(Wrapper.wrap([Span("ab", .bold), Span("cd", .bold)], width: 10) == [StyledLine([Span("abcd", .bold)])])
    }

    @Test func hardWrapKeepsSpaces() {
        let lines = Wrapper.hardWrap([Span("    let x = 1  ", .code)], width: 6)
        #expect(lines.map(\.plainText) == ["    le", "t x = ", "1  "])
        #expect(lines.allSatisfy { $0.spans.allSatisfy { $0.attributes == .code } })
    }

    @Test func wrappedLinesNeverExceedWidthProperty() {
        var rng = SeededRandom(seed: 42)
        let pieces = ["a", "bb", "ccc", "dddddddddddddddd", " ", "  ", "漢", "字", "👋", "👨‍👩‍👧", "🇫🇷", "e\u{301}",
                      "\n", "。", "(", ")", ".", "Ａ", "한국", "\u{200B}", "x"]
        for _ in 0..<500 {
            var spans: [Span] = []
            for _ in 0..<Int(rng.next() % 6) {
                var text = ""
                for _ in 0..<Int(rng.next() % 12) { text += pieces[Int(rng.next() % UInt64(pieces.count))] }
                spans.append(Span(text, TextAttributes(rawValue: UInt16(rng.next() % 512))))
            }
            let width = Int(rng.next() % 14)
            let indent = Int(rng.next() % 5)
            let lines = Wrapper.wrap(spans, width: width, hangingIndent: indent)
            #expect(!lines.isEmpty)
            for line in lines {
                #expect(line.width <= max(width, 2))
                if width >= 2 { #expect(line.width <= width) }
            }
            // Nothing but spaces and line breaks is lost or reordered, and no
            // grapheme is split (each span of each line holds whole graphemes).
            let input = spans.flatMap { Array($0.text) }.filter { $0 != " " && $0 != "\n" }
            let output = lines.flatMap { $0.spans.flatMap { Array($0.text) } }.filter { $0 != " " }
            #expect(input == output)
            let hard = Wrapper.hardWrap(spans, width: width)
            for line in hard where width >= 2 { #expect(line.width <= width) }
        }
    }

    @Test func thePrintableASCIIPathWrapsLikeTheEngine() {
        // The fast path for one span of printable ASCII must give exactly the engine's lines.
        var rng = SystemRandomNumberGenerator()
        let words = ["a", "to", "the", "quick", "brown", "fox,", "(jumps)", "over-the", "lazy.", "dog!",
                     "supercalifragilisticexpialidocious", String(repeating: "x", count: 70), "%", "[x]", "{", "}"]
        var checked = 0
        for _ in 0..<3_000 {
            var text = String(repeating: " ", count: Int.random(in: 0...3, using: &rng) == 0 ? Int.random(in: 1...9, using: &rng) : 0)
            for _ in 0..<Int.random(in: 0...30, using: &rng) {
                text += words.randomElement(using: &rng) ?? ""
                text += String(repeating: " ", count: Int.random(in: 0...3, using: &rng) == 0 ? Int.random(in: 0...5, using: &rng) : 1)
            }
            let width = [1, 2, 3, 4, 5, 7, 10, 13, 20, 33, 40, 72, 80, 200].randomElement(using: &rng) ?? 10
            let attrs: TextAttributes = Bool.random(using: &rng) ? [] : [.bold]
            let fast = Wrapper.wrapPrintableASCII(Span(text, attrs), width: width)
            #expect(fast != nil)
            let general = Wrapper.wrapGeneral([Span(text, attrs)], width: width)
            #expect(fast == general, "\(text.debugDescription) at \(width)")
            checked += 1
        }
        #expect(checked == 3_000)
        #expect(Wrapper.wrapPrintableASCII(Span("tab\there"), width: 10) == nil)
        #expect(Wrapper.wrapPrintableASCII(Span("café"), width: 10) == nil)
        #expect(Wrapper.wrapPrintableASCII(Span(""), width: 10) == Wrapper.wrapGeneral([Span("")], width: 10))
        #expect(Wrapper.wrapPrintableASCII(Span("     "), width: 3) == Wrapper.wrapGeneral([Span("     ")], width: 3))
    }
}
